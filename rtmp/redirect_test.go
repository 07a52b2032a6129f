package rtmp

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRedirect: a play and a publish refused with Redirect reach the client
// as *RedirectError carrying the full URL (redirect2), and the server's wait
// ends as soon as the client hangs up.
func TestServerRedirect(t *testing.T) {
	const target = "rtmp://10.0.0.7:19352/live/s?token=abc"
	for _, kind := range []Kind{KindPublish, KindPlay} {
		t.Run(kind.String(), func(t *testing.T) {
			waited := make(chan time.Duration, 1)
			addr, done := listen(t, func(c *Conn) error {
				if _, err := c.ReadRequest(); err != nil {
					return err
				}
				start := time.Now()
				err := c.Redirect(target)
				waited <- time.Since(start)
				return err
			})
			ctx := context.Background()
			c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if kind == KindPublish {
				err = c.Publish(ctx)
			} else {
				err = c.Play(ctx)
			}
			c.Close()
			var re *RedirectError
			if !errors.As(err, &re) || re.URL != target {
				t.Fatalf("got %v, want a redirect to %s", err, target)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if d := <-waited; d > RedirectWait/2 {
				t.Errorf("the server waited %v after the client hung up", d)
			}
		})
	}
}

func TestRedirectTcURL(t *testing.T) {
	for in, want := range map[string]string{
		"rtmp://h:1935/live/s?vhost=v": "rtmp://h:1935/live",
		"rtmp://h/a/b/s":               "rtmp://h/a/b",
		"rtmp://h":                     "rtmp://h",
	} {
		if got := redirectTcURL(in); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

// TestRedirectAfterPlayStart: SRS's origins start the play and then
// redirect; the client's ReadTag returns the redirect.
func TestRedirectAfterPlayStart(t *testing.T) {
	const target = "rtmp://10.0.0.7:19352/live/s"
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		if err := c.AcceptPlay(); err != nil {
			return err
		}
		return c.Redirect(target)
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Play(ctx); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = c.ReadTag()
	var re *RedirectError
	if !errors.As(err, &re) || re.URL != target {
		t.Fatalf("got %v, want a redirect to %s", err, target)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRedirectSilentClient: a client that neither answers the redirect nor
// hangs up holds the server for RedirectWait, no longer.
func TestRedirectSilentClient(t *testing.T) {
	waited := make(chan time.Duration, 1)
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		start := time.Now()
		err := c.Redirect("rtmp://10.0.0.7/live/s")
		waited <- time.Since(start)
		return err
	})
	c, err := Dial(context.Background(), "rtmp://"+addr+"/live/s", DialConfig{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Ask to play, then go silent: the redirect is never read or answered.
	go c.Play(context.Background())
	select {
	case d := <-waited:
		if d < RedirectWait-100*time.Millisecond || d > RedirectWait+2*time.Second {
			t.Errorf("Redirect returned after %v, want about %v", d, RedirectWait)
		}
	case <-time.After(RedirectWait + 5*time.Second):
		t.Fatal("Redirect still waiting for a silent client")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
