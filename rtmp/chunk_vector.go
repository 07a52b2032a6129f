package rtmp

import "encoding/binary"

// Chunk vectors: a message as the slices a vectored write sends, its chunk
// headers built apart from its body so that they can be built once and
// shared. Every connection that writes the same message on the same chunk
// stream, message stream id and chunk size sends the same header bytes (the
// chunk writer writes format 0 then format 3, section 5.3.1.2), so a live
// server can build them once per published message for all its RTMP players,
// as it builds the FLV tag header once for all its HTTP-FLV viewers.

// basicHeaderLen is the size of a chunk basic header for csid (5.3.1.1).
func basicHeaderLen(csid uint32) int {
	switch {
	case csid < 64:
		return 1
	case csid < 320:
		return 2
	}
	return 3
}

// MessageHeaderLen returns the size of the chunk headers AppendMessageHeaders
// writes for a message of n body bytes.
func MessageHeaderLen(csid, ts uint32, n, chunkSize int) int {
	bh := basicHeaderLen(csid)
	ext := 0
	if ts >= 0xffffff {
		ext = 4
	}
	size := bh + 11 + ext
	if n > chunkSize {
		size += ((n - 1) / chunkSize) * (bh + ext)
	}
	return size
}

// AppendMessageHeaders appends to dst the chunk headers of a message of n
// body bytes cut into chunks of chunkSize: the format-0 header, then the
// format-3 header of each further chunk. Timestamps of 0xffffff and above go
// in the extended timestamp field, repeated on every format-3 chunk
// (5.3.1.3), as ffmpeg and librtmp expect. n must be below 16 MiB, the
// largest length a message header can carry (5.3.1.2.1), and chunkSize
// positive.
func AppendMessageHeaders(dst []byte, csid uint32, typ MessageType, ts, streamID uint32, n, chunkSize int) []byte {
	ext := ts >= 0xffffff
	dst = appendBasicHeader(dst, 0, csid)
	t := ts
	if ext {
		t = 0xffffff
	}
	dst = append(dst, byte(t>>16), byte(t>>8), byte(t), byte(n>>16), byte(n>>8), byte(n), byte(typ))
	dst = binary.LittleEndian.AppendUint32(dst, streamID)
	if ext {
		dst = binary.BigEndian.AppendUint32(dst, ts)
	}
	for rest := n - chunkSize; rest > 0; rest -= chunkSize {
		dst = appendBasicHeader(dst, 3, csid)
		if ext {
			dst = binary.BigEndian.AppendUint32(dst, ts)
		}
	}
	return dst
}

// AppendMessageVector appends to v the message whose chunk headers are hdr
// (as AppendMessageHeaders built them for this body's length, csid, ts and
// chunkSize): each header followed by its part of body. Nothing is copied;
// the slices are capped so that appending to one never writes into the next.
func AppendMessageVector(v [][]byte, hdr, body []byte, csid, ts uint32, chunkSize int) [][]byte {
	bh, ext := basicHeaderLen(csid), 0
	if ts >= 0xffffff {
		ext = 4
	}
	h0, h3 := bh+11+ext, bh+ext
	v = append(v, hdr[:h0:h0])
	hdr = hdr[h0:]
	for {
		k := min(len(body), chunkSize)
		if k > 0 {
			v = append(v, body[:k:k])
		}
		body = body[k:]
		if len(body) == 0 || len(hdr) < h3 {
			return v
		}
		v = append(v, hdr[:h3:h3])
		hdr = hdr[h3:]
	}
}
