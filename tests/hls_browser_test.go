package tests

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
)

// Browser players and drivers come from the npm registry into the test's
// temporary folder at test time; nothing of theirs is committed. hls.js is
// the version conf.DefaultHLSJS names.
const (
	hlsJSPackage      = "hls.js@1.5.20"
	playwrightPackage = "playwright-core@1"
)

// hlsPlayScript opens the server's index page in headless Chromium (so the
// playlist is same-origin), loads hls.js, plays the playlist in a muted
// <video>, and prints what it saw as JSON: the decoded frame count and
// currentTime every second, and hls.js's fatal errors.
const hlsPlayScript = `
const { chromium } = require('playwright-core');
(async () => {
  const [page0, hlsjs, playlist, seconds] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required'],
  });
  const out = { samples: [], errors: [], supported: false };
  try {
    const page = await browser.newPage();
    page.on('response', r => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) out.errors.push(r.status() + ' ' + r.url());
    });
    page.on('pageerror', e => out.errors.push('page: ' + e));
    await page.goto(page0);
    await page.addScriptTag({ path: hlsjs });
    out.supported = await page.evaluate((src) => {
      if (!Hls.isSupported()) return false;
      const v = document.createElement('video');
      v.muted = true; v.autoplay = true; v.playsInline = true;
      document.body.appendChild(v);
      const hls = new Hls({ lowLatencyMode: false });
      window.fatal = [];
      hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) window.fatal.push(d.type + ': ' + d.details); });
      hls.loadSource(src);
      hls.attachMedia(v);
      hls.on(Hls.Events.MANIFEST_PARSED, () => v.play().catch(err => window.fatal.push('play: ' + err)));
      window.v = v;
      return true;
    }, playlist);
    for (let i = 0; i < Number(seconds); i++) {
      await page.waitForTimeout(1000);
      out.samples.push(await page.evaluate(() => ({
        frames: v.getVideoPlaybackQuality().totalVideoFrames,
        dropped: v.getVideoPlaybackQuality().droppedVideoFrames,
        time: v.currentTime, width: v.videoWidth, paused: v.paused,
      })));
    }
    out.errors.push(...await page.evaluate(() => window.fatal));
  } catch (e) {
    out.errors.push(String(e));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
})();
`

// npmInstall installs packages into dir from the npm registry; without the
// registry the test fails in CI and is skipped elsewhere.
func npmInstall(t *testing.T, dir string, pkgs ...string) {
	t.Helper()
	npm := testtool.Need(t, "npm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "--loglevel", "error"}, pkgs...)
	out, err := exec.CommandContext(ctx, npm, args...).CombinedOutput()
	if err != nil {
		testtool.Unavailable(t, "npm install %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
}

// TestHLSBrowser: headless Chromium plays the live playlist with hls.js
// from the npm registry: the picture has the stream's size and the decoded
// frame count and the current time keep rising, across a republish, with
// no fatal hls.js error.
func TestHLSBrowser(t *testing.T) {
	t.Parallel()
	node := testtool.Need(t, "node")
	chromium := testtool.Need(t, "chromium")
	dir := t.TempDir()
	npmInstall(t, dir, hlsJSPackage, playwrightPackage)
	script := filepath.Join(dir, "play.js")
	if err := os.WriteFile(script, []byte(hlsPlayScript), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, hlsConfig("hls_fragment 2;\n        hls_window 12;\n        hls_dispose 60;"))
	stop, _ := publish(t, "h264_aac.flv", s.rtmpURL("live/b"), 1, true)
	s.waitPlaylist(t, "live/b.m3u8", 2, 20*time.Second)

	const seconds = 20
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, s.httpURL(""), filepath.Join(dir, "node_modules/hls.js/dist/hls.min.js"), "/live/b.m3u8", strconv.Itoa(seconds))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "NODE_PATH="+filepath.Join(dir, "node_modules"))
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Halfway, the publisher goes and another comes: the player carries on.
	time.Sleep(8 * time.Second)
	stop()
	time.Sleep(time.Second)
	publish(t, "h264_aac.flv", s.rtmpURL("live/b"), 1, true)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var res struct {
		Supported bool
		Errors    []string
		Samples   []struct {
			Frames, Dropped, Width int
			Time                   float64
			Paused                 bool
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout.String())), &res); err != nil {
		t.Fatalf("output: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("hls.js in Chromium: %+v", res)
	if !res.Supported || len(res.Samples) != seconds {
		t.Fatalf("hls.js not supported, or samples missing: %+v", res)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors: %q", res.Errors)
	}
	last := res.Samples[len(res.Samples)-1]
	if last.Width != 640 || last.Paused {
		t.Errorf("video %d wide, paused %v", last.Width, last.Paused)
	}
	// Frames rise in every 4 s stretch, across the republish too, and
	// end near the 25 fps of the stream.
	for i := 4; i < len(res.Samples); i += 4 {
		a, b := res.Samples[i-4], res.Samples[i]
		if b.Frames <= a.Frames || b.Time <= a.Time {
			t.Errorf("seconds %d-%d: frames %d -> %d, time %.2f -> %.2f", i-4, i, a.Frames, b.Frames, a.Time, b.Time)
		}
	}
	if last.Frames < (seconds-8)*25 {
		t.Errorf("%d frames decoded in %d s", last.Frames, seconds)
	}
}
