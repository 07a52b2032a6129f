package api

import (
	"net/http"
	"sort"
	"time"

	"github.com/picosrs/picosrs/internal/jsonw"
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

func (s streamJSON) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("id").Str(s.ID)
	j.Key("name").Str(s.Name)
	j.Key("vhost").Str(s.Vhost)
	j.Key("app").Str(s.App)
	j.Key("tcUrl").Str(s.TcURL)
	j.Key("url").Str(s.URL)
	j.Key("live_ms").Int64(s.LiveMs)
	j.Key("clients").Int(s.Clients)
	j.Key("frames").Uint64(s.Frames)
	j.Key("audio_frames").Uint64(s.AudioFrames)
	j.Key("video_frames").Uint64(s.VideoFrames)
	j.Key("send_bytes").Uint64(s.SendBytes)
	j.Key("recv_bytes").Uint64(s.RecvBytes)
	j.Key("kbps")
	s.Kbps.encode(j)
	j.Key("publish").Object()
	j.Key("active").Bool(s.Publish.Active)
	if s.Publish.CID != "" {
		j.Key("cid").Str(s.Publish.CID)
	}
	j.EndObject()
	j.Key("video")
	if v := s.Video; v == nil {
		j.Null()
	} else {
		j.Object()
		j.Key("codec").Str(v.Codec)
		j.Key("profile")
		strOrNull(j, v.Profile)
		j.Key("level")
		strOrNull(j, v.Level)
		j.Key("width").Int(v.Width)
		j.Key("height").Int(v.Height)
		j.EndObject()
	}
	j.Key("audio")
	if au := s.Audio; au == nil {
		j.Null()
	} else {
		j.Object()
		j.Key("codec").Str(au.Codec)
		j.Key("sample_rate").Int(au.SampleRate)
		j.Key("channel").Int(au.Channel)
		j.Key("profile").Str(au.Profile)
		j.EndObject()
	}
	j.EndObject()
}

func strOrNull(j *jsonw.Writer, s *string) {
	if s == nil {
		j.Null()
	} else {
		j.Str(*s)
	}
}

// streamAnswer is /api/v1/streams/{id}.
type streamAnswer struct {
	head
	Stream streamJSON `json:"stream"`
}

func (x streamAnswer) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("stream")
	x.Stream.encode(j)
	j.EndObject()
}

// streamsAnswer is /api/v1/streams: a page of the list.
type streamsAnswer struct {
	head
	Total   int          `json:"total"`
	Streams []streamJSON `json:"streams"`
}

func (x streamsAnswer) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("total").Int(x.Total)
	j.Key("streams")
	if x.Streams == nil {
		j.Null()
	} else {
		j.Array()
		for _, s := range x.Streams {
			s.encode(j)
		}
		j.EndArray()
	}
	j.EndObject()
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
		a.reply(w, r, http.StatusOK, streamsAnswer{a.head(), len(snap.streams), out})
		return
	}
	for _, st := range snap.streams {
		if st.id == id {
			a.reply(w, r, http.StatusOK, streamAnswer{a.head(), a.streamJSON(st, now)})
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
