package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/picosrs/picosrs/internal/jsonw"
	"github.com/picosrs/picosrs/live"
)

type clientJSON struct {
	ID        string  `json:"id"`
	Vhost     string  `json:"vhost"`
	Stream    string  `json:"stream"`
	IP        string  `json:"ip"`
	PageURL   string  `json:"pageUrl"`
	SwfURL    string  `json:"swfUrl"`
	TcURL     string  `json:"tcUrl"`
	URL       string  `json:"url"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Publish   bool    `json:"publish"`
	Alive     float64 `json:"alive"`
	SendBytes uint64  `json:"send_bytes"`
	RecvBytes uint64  `json:"recv_bytes"`
	Kbps      kbps    `json:"kbps"`
}

func (c clientJSON) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("id").Str(c.ID)
	j.Key("vhost").Str(c.Vhost)
	j.Key("stream").Str(c.Stream)
	j.Key("ip").Str(c.IP)
	j.Key("pageUrl").Str(c.PageURL)
	j.Key("swfUrl").Str(c.SwfURL)
	j.Key("tcUrl").Str(c.TcURL)
	j.Key("url").Str(c.URL)
	j.Key("name").Str(c.Name)
	j.Key("type").Str(c.Type)
	j.Key("publish").Bool(c.Publish)
	j.Key("alive").Float(c.Alive)
	j.Key("send_bytes").Uint64(c.SendBytes)
	j.Key("recv_bytes").Uint64(c.RecvBytes)
	j.Key("kbps")
	c.Kbps.encode(j)
	j.EndObject()
}

// clientAnswer is /api/v1/clients/{id}.
type clientAnswer struct {
	head
	Client clientJSON `json:"client"`
}

func (x clientAnswer) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("client")
	x.Client.encode(j)
	j.EndObject()
}

// clientsAnswer is /api/v1/clients: a page of the list.
type clientsAnswer struct {
	head
	Total   int          `json:"total"`
	Clients []clientJSON `json:"clients"`
}

func (x clientsAnswer) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("total").Int(x.Total)
	j.Key("clients")
	if x.Clients == nil {
		j.Null()
	} else {
		j.Array()
		for _, c := range x.Clients {
			c.encode(j)
		}
		j.EndArray()
	}
	j.EndObject()
}

func (a *Server) clientJSON(c *live.Client, now time.Time) clientJSON {
	in, out := c.Bytes()
	return clientJSON{
		ID: strconv.FormatUint(c.ID, 10), Vhost: vhostID(c.Vhost), Stream: streamID(c.Vhost, c.App, c.Stream),
		IP: c.IP, URL: "/" + c.App + "/" + c.Stream, Name: c.Stream,
		TcURL: c.TcURL, PageURL: c.PageURL, SwfURL: c.SwfURL,
		Type: c.Type, Publish: c.Publishing(),
		Alive:     float64(now.Sub(c.Start).Milliseconds()) / 1000,
		SendBytes: out, RecvBytes: in, Kbps: a.stats.clientKbps(c.ID, in, out, now),
	}
}

func (a *Server) serveClients(w http.ResponseWriter, r *http.Request, id string) {
	var c *live.Client
	if id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err == nil {
			c = a.src.Client(n)
		}
		if c == nil {
			a.notFound(w, r, codeClientNotFound)
			return
		}
	}
	now := time.Now()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if c != nil {
			a.reply(w, r, http.StatusOK, clientAnswer{a.head(), a.clientJSON(c, now)})
			return
		}
		all := a.src.Clients()
		start, count := paging(r)
		out := []clientJSON{}
		for _, c := range page(all, start, count) {
			out = append(out, a.clientJSON(c, now))
		}
		a.reply(w, r, http.StatusOK, clientsAnswer{a.head(), len(all), out})
	case http.MethodDelete:
		if c == nil {
			a.methodNotAllowed(w, r, "GET")
			return
		}
		if !a.src.Kick(c.ID) {
			a.notFound(w, r, codeClientNotFound)
			return
		}
		a.log().Warn("http api: kicked client", "client", c.ID, "type", c.Type, "remote", c.IP, "stream", c.Vhost+"/"+c.App+"/"+c.Stream)
		a.reply(w, r, http.StatusOK, a.head())
	default:
		allow := "GET"
		if c != nil {
			allow = "GET, DELETE"
		}
		a.methodNotAllowed(w, r, allow)
	}
}
