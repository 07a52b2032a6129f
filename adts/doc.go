// Package adts parses the MPEG-4 AudioSpecificConfig carried by an RTMP/FLV
// AAC sequence header and builds the 7-byte ADTS header that turns a raw AAC
// frame into a self-describing one (for .aac mounts and for AAC in MPEG-TS).
//
// Data flow: the AAC sequence header (FLV AACPacketType 0) goes through
// ParseASC once; every raw frame (AACPacketType 1) then gets a header from
// AppendHeader, written in front of the frame by the caller.
//
// The package is a leaf: it knows nothing of FLV tags, of the network or of the
// server, never logs, and returns errors (never panics) on malformed input.
package adts
