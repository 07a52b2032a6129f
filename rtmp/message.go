package rtmp

import (
	"encoding/binary"
	"errors"
)

// MessageType is the RTMP message type id.
// Specification: spec-rtmp_specification_1.0 sections 5.4 (protocol control),
// 6.2 (user control) and 7.1 (RTMP messages).
type MessageType uint8

// Message types.
const (
	TypeSetChunkSize           MessageType = 1  // 5.4.1
	TypeAbort                  MessageType = 2  // 5.4.2
	TypeAck                    MessageType = 3  // 5.4.3
	TypeUserControl            MessageType = 4  // 6.2, 7.1.7
	TypeWindowAckSize          MessageType = 5  // 5.4.4
	TypeSetPeerBandwidth       MessageType = 6  // 5.4.5
	TypeAudio                  MessageType = 8  // 7.1.4
	TypeVideo                  MessageType = 9  // 7.1.5
	TypeDataAMF3               MessageType = 15 // 7.1.2
	TypeSharedObjectAMF3       MessageType = 16 // 7.1.3
	TypeCommandAMF3            MessageType = 17 // 7.1.1
	TypeDataAMF0               MessageType = 18 // 7.1.2
	TypeSharedObjectAMF0       MessageType = 19 // 7.1.3
	TypeCommandAMF0            MessageType = 20 // 7.1.1
	TypeAggregate              MessageType = 22 // 7.1.6
	userControlStreamBegin                 = 0
	userControlStreamEOF                   = 1
	userControlSetBufferLength             = 3
	userControlPingRequest                 = 6
	userControlPingResponse                = 7
)

// Chunk stream ids picosrs writes on (the ones SRS uses).
const (
	csidProtocolControl = 2 // section 5.4: protocol control messages use csid 2
	csidCommand         = 3 // connection-level commands
	csidData            = 4 // data messages (onMetaData)
	csidStream          = 5 // stream-level commands (onStatus)
	csidVideo           = 6
	csidAudio           = 7
	csidClientStream    = 8 // stream-level commands sent by the client
)

// Limits and defaults.
const (
	DefaultMaxMessageSize  = 8 << 20
	DefaultMaxChunkStreams = 64
	DefaultChunkSize       = 60000
	maxMessageLength       = 1<<24 - 1 // 24-bit message length field, section 5.3.1.2
	maxChunkSize           = 1<<24 - 1 // larger chunks than a message are pointless
	defaultWindowAckSize   = 2500000   // what SRS sends
)

// MinAckWindow is the smallest Window Acknowledgement Size (section 5.4.4)
// a Conn honours; a peer's smaller window is raised to it. An
// acknowledgement is 16 bytes on the wire, so at this window acknowledgements
// cost at most 0.4% of what the peer sends, where a window of 1 made the
// Conn write 16 bytes for every message of a few bytes read (a publisher
// that never reads then blocked its read loop on them). Real clients
// announce 2,500,000 (ffmpeg, librtmp, OBS, Flash); SRS takes any non-zero
// window.
const MinAckWindow = 4096

// Errors of the chunk layer.
var (
	ErrMessageTooLarge     = errors.New("rtmp: message too large")
	ErrTooManyChunkStreams = errors.New("rtmp: too many chunk streams")
	ErrChunkHeader         = errors.New("rtmp: bad chunk header")
	ErrChunkSize           = errors.New("rtmp: bad chunk size")
)

// Message is one RTMP message: its header fields and its body.
//
// Ownership: a Message returned by ChunkReader.ReadMessage owns a freshly
// allocated Body that nothing else references; the receiver may hand it on as
// an immutable flv.Tag body. A Message given to ChunkWriter must not be
// modified until the write that carries it has returned.
type Message struct {
	Type          MessageType
	Timestamp     uint32 // milliseconds, extended to 32 bits (section 5.3.1.3)
	StreamID      uint32 // message stream id
	ChunkStreamID uint32 // chunk stream id, 2..65599
	Body          []byte
}

// controlBody4 encodes a 4-byte protocol control body (chunk size, abort,
// acknowledgement, window acknowledgement size).
func controlBody4(v uint32) []byte {
	return binary.BigEndian.AppendUint32(nil, v)
}

// userControlBody encodes a user control event (section 6.2 / 7.1.7).
func userControlBody(event uint16, args ...uint32) []byte {
	b := binary.BigEndian.AppendUint16(nil, event)
	for _, a := range args {
		b = binary.BigEndian.AppendUint32(b, a)
	}
	return b
}
