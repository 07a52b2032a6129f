package live

// Format is what a viewer receives: one of the HTTP formats or RTMP.
type Format int

// Formats.
const (
	FormatFLV Format = iota
	FormatTS
	FormatMP3
	FormatAAC
	FormatRTMP
)

// String returns the format's short name: flv, ts, mp3, aac or rtmp.
func (f Format) String() string {
	switch f {
	case FormatFLV:
		return "flv"
	case FormatTS:
		return "ts"
	case FormatMP3:
		return "mp3"
	case FormatAAC:
		return "aac"
	case FormatRTMP:
		return "rtmp"
	}
	return "unknown"
}

// audioOnly reports whether the format carries audio alone, from the
// stream's fast cache rather than its GOP cache.
func (f Format) audioOnly() bool { return f == FormatMP3 || f == FormatAAC }
