package live

import (
	"strconv"
	"time"

	"github.com/picosrs/picosrs/adts"
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

// Info returns a snapshot of the stream, computed under the stream's read
// lock. Codec details are parsed from the sequence headers on each call (a
// few hundred bytes at most), so nothing is added to the publishing path.
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
	var metaW, metaH int
	if s.meta != nil {
		metaW, metaH = metaSize(s.meta.Data)
	}
	if s.codecs.video >= 0 {
		v := &VideoInfo{Codec: videoCodecName(s.codecs.video), Width: metaW, Height: metaH}
		if s.vsh != nil {
			payload := s.vsh.VideoPayload()
			switch s.codecs.video {
			case flv.CodecH264:
				if sps, err := parseAVCRecord(payload); err == nil || sps.profile != 0 {
					v.Profile, v.Level = avcProfileName(sps.profile), levelName(sps.level)
					if sps.width > 0 {
						v.Width, v.Height = sps.width, sps.height
					}
				}
			case flv.CodecHEVC:
				if len(payload) >= 13 && payload[0] == 1 {
					v.Profile = hevcProfileName(int(payload[1] & 0x1f))
					v.Level = hevcLevelName(int(payload[12]))
				}
			}
		}
		i.Video = v
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

// metaSize returns width and height from an onMetaData script tag body.
func metaSize(b []byte) (w, h int) {
	vals, err := flv.UnmarshalAMF0(b)
	if err != nil || len(vals) < 2 {
		return 0, 0
	}
	var wf, hf float64
	switch m := vals[1].(type) {
	case flv.ECMAArray:
		wf, _ = m.GetFloat64("width")
		hf, _ = m.GetFloat64("height")
	case flv.Object:
		wf, _ = m.GetFloat64("width")
		hf, _ = m.GetFloat64("height")
	}
	if wf < 0 || hf < 0 || wf > 1<<16 || hf > 1<<16 {
		return 0, 0
	}
	return int(wf), int(hf)
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

// avcProfileName names an H.264 profile_idc as SRS does (ITU-T H.264 A.2).
func avcProfileName(p int) string {
	switch p {
	case 66:
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		return "High(10)"
	case 122:
		return "High(422)"
	case 144, 244:
		return "High(444)"
	}
	return "Other"
}

// levelName formats an H.264 level_idc: 31 -> "3.1", 30 -> "3", 9 -> "1b".
func levelName(l int) string {
	switch {
	case l <= 0:
		return "Other"
	case l == 9:
		return "1b"
	case l%10 == 0:
		return strconv.Itoa(l / 10)
	}
	return strconv.Itoa(l/10) + "." + strconv.Itoa(l%10)
}

// hevcProfileName names an HEVC general_profile_idc (ITU-T H.265 A.3).
func hevcProfileName(p int) string {
	switch p {
	case 1:
		return "Main"
	case 2:
		return "Main10"
	case 3:
		return "Main Still Picture"
	case 4:
		return "RExt"
	}
	return "Other"
}

// hevcLevelName formats an HEVC general_level_idc (30 x level): 93 -> "3.1".
func hevcLevelName(l int) string {
	if l <= 0 || l%3 != 0 {
		return "Other"
	}
	major, minor := l/30, (l%30)/3
	if minor == 0 {
		return strconv.Itoa(major)
	}
	return strconv.Itoa(major) + "." + strconv.Itoa(minor)
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
