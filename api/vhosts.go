package api

import (
	"net/http"

	"github.com/picosrs/picosrs/internal/jsonw"
)

type vhostJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Enabled   bool   `json:"enabled"`
	Clients   int    `json:"clients"`
	Streams   int    `json:"streams"`
	SendBytes uint64 `json:"send_bytes"`
	RecvBytes uint64 `json:"recv_bytes"`
	Kbps      kbps   `json:"kbps"`
	HLS       struct {
		Enabled bool `json:"enabled"`
	} `json:"hls"`
}

func (v vhostJSON) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("id").Str(v.ID)
	j.Key("name").Str(v.Name)
	j.Key("enabled").Bool(v.Enabled)
	j.Key("clients").Int(v.Clients)
	j.Key("streams").Int(v.Streams)
	j.Key("send_bytes").Uint64(v.SendBytes)
	j.Key("recv_bytes").Uint64(v.RecvBytes)
	j.Key("kbps")
	v.Kbps.encode(j)
	j.Key("hls").Object()
	j.Key("enabled").Bool(v.HLS.Enabled)
	j.EndObject()
	j.EndObject()
}

// vhostAnswer is /api/v1/vhosts/{id}.
type vhostAnswer struct {
	head
	Vhost vhostJSON `json:"vhost"`
}

func (x vhostAnswer) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("vhost")
	x.Vhost.encode(j)
	j.EndObject()
}

// vhostsAnswer is /api/v1/vhosts. Vhosts is nil, written null, when the
// configuration lists none.
type vhostsAnswer struct {
	head
	Vhosts []vhostJSON `json:"vhosts"`
}

func (x vhostsAnswer) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("vhosts")
	if x.Vhosts == nil {
		j.Null()
	} else {
		j.Array()
		for _, v := range x.Vhosts {
			v.encode(j)
		}
		j.EndArray()
	}
	j.EndObject()
}

func (a *Server) serveVhosts(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	snap := a.stats.snapshot()
	var list []vhostJSON
	idx := map[string]int{}
	for _, v := range a.cfg.Load().Vhosts {
		idx[v.Name] = len(list)
		list = append(list, vhostJSON{ID: vhostID(v.Name), Name: v.Name, Enabled: v.Enabled})
		list[len(list)-1].HLS.Enabled = v.HLS
	}
	for _, st := range snap.streams {
		i, ok := idx[st.info.Vhost]
		if !ok {
			continue
		}
		v := &list[i]
		if st.info.Publishing {
			v.Streams++
		}
		v.Clients += st.clients
		v.SendBytes += st.send
		v.RecvBytes += st.recv
		v.Kbps.Recv30s += st.kbps.Recv30s
		v.Kbps.Send30s += st.kbps.Send30s
	}
	if id == "" {
		a.reply(w, r, http.StatusOK, vhostsAnswer{a.head(), list})
		return
	}
	for _, v := range list {
		if v.ID == id {
			a.reply(w, r, http.StatusOK, vhostAnswer{a.head(), v})
			return
		}
	}
	a.notFound(w, r, codeVhostNotFound)
}
