// Package codec reads and writes the codec configuration of H.264 and HEVC
// video: the decoder configuration records that an FLV/RTMP video sequence
// header carries (AVCDecoderConfigurationRecord, HEVCDecoderConfigurationRecord,
// ISO 14496-15) and the sequence parameter sets inside them (ITU-T H.264 and
// H.265).
//
// Where it sits in the flow:
//
//	publisher --video sequence header--> live (keeps the tag as it came)
//	   |--> AVCConfig / HEVCConfig.Unmarshal --> mpegts: NAL length size and
//	   |    AppendAnnexB, the parameter sets put in front of every keyframe
//	   '--> HTTP API: profile and level from the record (AVCProfileName,
//	        AVCLevelName, HEVCProfileName, HEVCLevelName), picture size from
//	        H264SPS / H265SPS.Unmarshal of the record's first SPS
//
// Every structure is a small value type with Unmarshal (and Marshal where the
// server may write it), one per file, with the specification section in its
// doc comment. Unmarshal checks bounds before every read, bounds every
// allocation by the size of its input, returns errors wrapping the sentinels
// below and never panics. Byte slices that Unmarshal stores alias its input;
// nothing here modifies or keeps a slice it is given otherwise.
//
// The package is a leaf: it imports only the standard library, knows nothing
// of FLV tags, of the network or of the server, and never logs. See README.md
// for what the parsers accept beyond the letter of the specifications.
package codec
