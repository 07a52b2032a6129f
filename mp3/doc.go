// Package mp3 parses and validates MPEG audio frame headers (MPEG-1, MPEG-2
// and MPEG-2.5, Layers I, II and III) and holds the ID3v2 preamble SRS writes
// at the start of an HTTP .mp3 stream.
//
// Data flow: an .mp3 mount writes ID3v2Preamble once, then the payload of each
// FLV MP3 audio tag (the tag body minus its first byte). ParseFrameHeader lets
// the caller (and the tests) check that such a payload starts with a frame.
//
// The package is a leaf: it knows nothing of FLV tags, of the network or of the
// server, never logs, and returns errors (never panics) on malformed input.
package mp3
