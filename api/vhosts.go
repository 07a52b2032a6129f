package api

import "net/http"

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
		a.reply(w, r, http.StatusOK, struct {
			head
			Vhosts []vhostJSON `json:"vhosts"`
		}{a.head(), list})
		return
	}
	for _, v := range list {
		if v.ID == id {
			a.reply(w, r, http.StatusOK, struct {
				head
				Vhost vhostJSON `json:"vhost"`
			}{a.head(), v})
			return
		}
	}
	a.notFound(w, r, codeVhostNotFound)
}
