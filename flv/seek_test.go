package flv

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// TestSeek checks CheckFileHeader, CheckTagStart and SequenceHeaderSpan on
// the committed fixture against the tag offsets the Reader finds.
func TestSeek(t *testing.T) {
	data, err := os.ReadFile("../tests/testdata/h264_aac.flv")
	if err != nil {
		t.Fatal(err) // a committed fixture
	}
	f := bytes.NewReader(data)
	size := int64(len(data))
	if err := CheckFileHeader(f); err != nil {
		t.Fatal(err)
	}
	if err := CheckFileHeader(bytes.NewReader([]byte("GIF89a\x00\x00\x00"))); !errors.Is(err, ErrNotFLV) {
		t.Errorf("not FLV: %v", err)
	}
	// Tag offsets, found by reading.
	var offs []int64
	var types []TagType
	for off := int64(HeaderSize); off < size; {
		typ, n, _, err := ParseTagHeader(data[off:])
		if err != nil {
			t.Fatal(err)
		}
		offs, types = append(offs, off), append(types, typ)
		off += TagHeaderSize + int64(n) + 4
	}
	for i, off := range offs[:50] {
		if err := CheckTagStart(f, size, off); err != nil {
			t.Fatalf("tag %d at %d: %v", i, off, err)
		}
		for _, d := range []int64{1, 4, 11} {
			if err := CheckTagStart(f, size, off+d); !errors.Is(err, ErrNotTagStart) {
				t.Fatalf("tag %d at %d+%d: %v, want ErrNotTagStart", i, off, d, err)
			}
		}
	}
	for _, c := range []struct {
		off  int64
		want error
	}{{size, ErrPastEnd}, {size + 100, ErrPastEnd}, {0, ErrNotTagStart}, {12, ErrNotTagStart}} {
		if err := CheckTagStart(f, size, c.off); !errors.Is(err, c.want) {
			t.Errorf("offset %d: %v, want %v", c.off, err, c.want)
		}
	}
	// The fixture starts with onMetaData, then the video and audio
	// sequence headers: the span is those two tags.
	if types[0] != TagScript || types[1] != TagVideo || types[2] != TagAudio {
		t.Fatalf("fixture starts with %v", types[:3])
	}
	start, end, err := SequenceHeaderSpan(f, size)
	if err != nil || start != offs[1] || end != offs[3] {
		t.Fatalf("span [%d, %d) %v, want [%d, %d)", start, end, err, offs[1], offs[3])
	}
	if _, _, err := SequenceHeaderSpan(bytes.NewReader(data[:offs[1]]), offs[1]); !errors.Is(err, ErrNoSequenceHeader) {
		t.Errorf("metadata only: %v", err)
	}
	bad := bytes.Clone(data)
	bad[offs[1]] = 7
	if _, _, err := SequenceHeaderSpan(bytes.NewReader(bad), size); !errors.Is(err, ErrBadTagType) {
		t.Errorf("bad tag type: %v", err)
	}
}
