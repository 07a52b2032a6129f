// Package mpegts writes an MPEG-2 transport stream (ISO 13818-1) for live
// HTTP-TS delivery: PAT/PMT, PES packets with PTS/DTS, PCR, continuity
// counters, adaptation-field stuffing, and the AVCC/HVCC -> Annex-B
// conversion of H.264/HEVC access units. The decoder configuration records
// are parsed by package codec, which gives the NAL unit length size and the
// parameter sets in Annex-B form; AAC frames get their ADTS header from
// package adts.
//
// Data flow: the server keeps one Writer per published stream. Sequence
// headers go to SetH264Config / SetHEVCConfig / SetAACConfig (or SetVideo /
// SetAudio for MP3); each frame goes to AppendVideo or AppendAudio, which
// append whole 188-byte packets to a caller-owned []byte. The server
// serialises each frame once and shares the bytes with every TS viewer; a
// viewer that joins late starts at a keyframe, which always comes with PAT
// and PMT in front.
//
// The package knows nothing of FLV tags, of the network or of the server,
// never logs, and returns errors (never panics) on malformed input. See
// README.md for the field quirks (PIDs, PCR, SRS differences).
package mpegts
