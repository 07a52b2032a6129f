package codec

import "errors"

// Sentinel errors. Unmarshal and Marshal wrap them with the structure and the
// field at fault; callers branch with errors.Is.
var (
	// ErrShortBuffer means the data ends before the structure does.
	ErrShortBuffer = errors.New("codec: short buffer")
	// ErrVersion means a configuration record whose configurationVersion is
	// not 1.
	ErrVersion = errors.New("codec: unsupported configuration version")
	// ErrNALType means a NAL unit of another type than the parser reads.
	ErrNALType = errors.New("codec: wrong nal unit type")
	// ErrOutOfRange means a field whose value the specification, or a bound
	// of this package (such as a picture size), does not allow.
	ErrOutOfRange = errors.New("codec: value out of range")
	// ErrUnsupported means valid syntax this package does not read, such as
	// an HEVC SPS of a layer other than the base layer.
	ErrUnsupported = errors.New("codec: unsupported")
)
