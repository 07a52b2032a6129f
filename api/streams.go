package api

import (
	"net/http"
	"sort"
	"time"
)

type streamJSON struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Vhost       string      `json:"vhost"`
	App         string      `json:"app"`
	TcURL       string      `json:"tcUrl"`
	URL         string      `json:"url"`
	LiveMs      int64       `json:"live_ms"`
	Clients     int         `json:"clients"`
	Frames      uint64      `json:"frames"`
	AudioFrames uint64      `json:"audio_frames"`
	VideoFrames uint64      `json:"video_frames"`
	SendBytes   uint64      `json:"send_bytes"`
	RecvBytes   uint64      `json:"recv_bytes"`
	Kbps        kbps        `json:"kbps"`
	Publish     publishJSON `json:"publish"`
	Video       *videoJSON  `json:"video"`
	Audio       *audioJSON  `json:"audio"`
}

type publishJSON struct {
	Active bool   `json:"active"`
	CID    string `json:"cid,omitempty"`
}

type videoJSON struct {
	Codec   string  `json:"codec"`
	Profile *string `json:"profile"`
	Level   *string `json:"level"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
}

type audioJSON struct {
	Codec      string `json:"codec"`
	SampleRate int    `json:"sample_rate"`
	Channel    int    `json:"channel"`
	Profile    string `json:"profile"`
}

func (a *Server) streamJSON(st streamSnap, now time.Time) streamJSON {
	i := st.info
	j := streamJSON{
		ID: st.id, Name: i.Name, Vhost: vhostID(i.Vhost), App: i.App,
		URL:     "/" + i.App + "/" + i.Name,
		LiveMs:  now.UnixMilli(),
		Clients: st.clients, Frames: i.VideoFrames + i.AudioFrames,
		AudioFrames: i.AudioFrames, VideoFrames: i.VideoFrames,
		SendBytes: st.send, RecvBytes: st.recv, Kbps: st.kbps,
		Publish: publishJSON{Active: i.Publishing, CID: st.publisher},
	}
	if i.Video != nil {
		v := &videoJSON{Codec: i.Video.Codec, Width: i.Video.Width, Height: i.Video.Height}
		if i.Video.Profile != "" {
			v.Profile, v.Level = &i.Video.Profile, &i.Video.Level
		}
		j.Video = v
	}
	if i.Audio != nil {
		j.Audio = &audioJSON{Codec: i.Audio.Codec, SampleRate: i.Audio.SampleRate, Channel: i.Audio.Channels, Profile: i.Audio.Profile}
	}
	return j
}

func (a *Server) serveStreams(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	snap := a.stats.snapshot()
	now := time.Now()
	if id == "" {
		start, count := paging(r)
		out := []streamJSON{}
		for _, st := range page(snap.streams, start, count) {
			out = append(out, a.streamJSON(st, now))
		}
		a.reply(w, r, http.StatusOK, struct {
			head
			Total   int          `json:"total"`
			Streams []streamJSON `json:"streams"`
		}{a.head(), len(snap.streams), out})
		return
	}
	for _, st := range snap.streams {
		if st.id == id {
			a.reply(w, r, http.StatusOK, struct {
				head
				Stream streamJSON `json:"stream"`
			}{a.head(), a.streamJSON(st, now)})
			return
		}
	}
	a.notFound(w, r, codeStreamNotFound)
}

// sortStreams orders streams by vhost, app and name, for stable paging.
func sortStreams(s []streamSnap) {
	sort.Slice(s, func(i, j int) bool {
		a, b := s[i].info, s[j].info
		if a.Vhost != b.Vhost {
			return a.Vhost < b.Vhost
		}
		if a.App != b.App {
			return a.App < b.App
		}
		return a.Name < b.Name
	})
}
