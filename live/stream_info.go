package live

import (
	"time"

	"github.com/picosrs/picosrs/adts"
	"github.com/picosrs/picosrs/codec"
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/mp3"
)

// StreamInfo is a read-only snapshot of a stream for the HTTP API and the
// metrics exporter. Codec fields use SRS's names ("H264", "AAC", "High", "3.1").
type StreamInfo struct {
	Vhost, App, Name string

	Publishing   bool
	PublishSince time.Time // zero when nobody publishes
	Consumers    int       // attached viewers of every protocol

	BytesIn     uint64 // FLV bytes of the tags published, headers included
	VideoFrames uint64
	AudioFrames uint64

	Video *VideoInfo // nil until the stream carries video
	Audio *AudioInfo // nil until the stream carries audio
}

// VideoInfo describes a stream's video track.
type VideoInfo struct {
	Codec   string // H264, HEVC, AV1, Other
	Profile string // Baseline, Main, High, ...; "" when unknown
	Level   string // "3.1"; "" when unknown
	Width   int    // from the SPS, else from onMetaData; 0 when unknown
	Height  int
}

// AudioInfo describes a stream's audio track.
type AudioInfo struct {
	Codec      string // AAC, MP3, Other
	SampleRate int    // Hz; 0 when unknown
	Channels   int    // 0 when unknown
	Profile    string // AAC object type (LC, HE, HEv2, Main, ...); "Other" otherwise
}

// Info returns a snapshot of the stream, taken under the stream's read lock.
// Codec details come from what ingest parsed once (the sequence headers'
// summary, onMetaData's): nothing the publisher sent is parsed again here.
func (s *Stream) Info() StreamInfo {
	i := StreamInfo{
		Vhost: s.key.Vhost, App: s.key.App, Name: s.key.Name,
		BytesIn:     s.stats.bytesIn.Load(),
		VideoFrames: s.stats.frames.Load(),
		AudioFrames: s.stats.audio.Load(),
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i.Publishing = s.pub != nil
	if i.Publishing {
		i.PublishSince = s.pubSince
	}
	i.Consumers = len(s.consumers)
	if s.codecs.video >= 0 {
		v := s.codecs.videoInfo // from the sequence header, parsed once at ingest
		v.Codec = videoCodecName(s.codecs.video)
		if v.Width == 0 && s.meta != nil && s.meta.metadata != nil {
			v.Width, v.Height = metaSize(s.meta.metadata)
		}
		i.Video = &v
	}
	if s.codecs.audio >= 0 {
		a := &AudioInfo{Codec: audioCodecName(s.codecs.audio), Profile: "Other"}
		switch {
		case s.codecs.audio == flv.SoundAAC && s.codecs.aacOK:
			a.SampleRate = s.codecs.aac.SampleRate
			if a.SampleRate == 0 && s.codecs.aac.SampleRateIndex < 13 {
				a.SampleRate = aacRates[s.codecs.aac.SampleRateIndex]
			}
			a.Channels = s.codecs.aac.ChannelConfig
			a.Profile = aacProfileName(s.codecs.aac.ObjectType)
		default:
			a.SampleRate, a.Channels = s.lastAudioFormat()
		}
		i.Audio = a
	}
	return i
}

var aacRates = [13]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// lastAudioFormat reads the rate and channels of the newest audio tag in the
// ring: from the MP3 frame header when it parses, else from the FLV audio
// header. The stream lock is held.
func (s *Stream) lastAudioFormat() (rate, channels int) {
	for seq, n := s.ring.head, 0; seq > s.ring.tail && n < 32; seq, n = seq-1, n+1 {
		p := s.ring.at(seq - 1)
		if p.Type != flv.TagAudio || len(p.Data) < 1 {
			continue
		}
		if p.SoundFormat() == flv.SoundMP3 {
			if h, err := mp3.ParseFrameHeader(p.AudioPayload()); err == nil {
				return h.SampleRate, h.Channels()
			}
		}
		flvRates := [4]int{5512, 11025, 22050, 44100}
		return flvRates[(p.Data[0]>>2)&3], int(p.Data[0]&1) + 1
	}
	return 0, 0
}

// metaSize returns the picture size onMetaData announces, when it is sane.
func metaSize(m *flv.Metadata) (w, h int) {
	if m.Width < 0 || m.Height < 0 || m.Width > 1<<16 || m.Height > 1<<16 {
		return 0, 0
	}
	return int(m.Width), int(m.Height)
}

// videoConfigInfo reads profile, level and picture size from a video
// sequence header (an AVC or HEVC decoder configuration record); what does
// not parse is left out.
func videoConfigInfo(codecID int, payload []byte) VideoInfo {
	var v VideoInfo
	switch codecID {
	case flv.CodecH264:
		var rec codec.AVCConfig
		if rec.Unmarshal(payload) != nil {
			return v
		}
		v.Profile, v.Level = codec.AVCProfileName(rec.ProfileIndication), codec.AVCLevelName(rec.LevelIndication)
		var sps codec.H264SPS
		if len(rec.SPS) > 0 && sps.Unmarshal(rec.SPS[0]) == nil {
			v.Width, v.Height = sps.Width(), sps.Height()
		}
	case flv.CodecHEVC:
		var rec codec.HEVCConfig
		if rec.Unmarshal(payload) != nil {
			return v
		}
		v.Profile, v.Level = codec.HEVCProfileName(rec.GeneralProfileIDC), codec.HEVCLevelName(rec.GeneralLevelIDC)
		var sps codec.H265SPS
		if sps.Unmarshal(rec.SPS()) == nil {
			v.Width, v.Height = sps.Width(), sps.Height()
		}
	}
	return v
}

func videoCodecName(id int) string {
	switch id {
	case flv.CodecH264:
		return "H264"
	case flv.CodecHEVC:
		return "HEVC"
	case flv.CodecAV1:
		return "AV1"
	case 2:
		return "H263"
	case 4:
		return "VP6"
	}
	return "Other"
}

func audioCodecName(f int) string {
	switch f {
	case flv.SoundAAC:
		return "AAC"
	case flv.SoundMP3:
		return "MP3"
	case 11:
		return "Speex"
	case 7, 8:
		return "G711"
	case 0, 3:
		return "PCM"
	}
	return "Other"
}

// aacProfileName names an AAC audio object type as SRS does.
func aacProfileName(ot int) string {
	switch ot {
	case adts.ObjectTypeMain:
		return "Main"
	case adts.ObjectTypeLC:
		return "LC"
	case adts.ObjectTypeSSR:
		return "SSR"
	case adts.ObjectTypeSBR:
		return "HE"
	case adts.ObjectTypePS:
		return "HEv2"
	}
	return "Other"
}
