package codec

import "testing"

// The expected names are SRS's (trunk/src/kernel/srs_kernel_codec.cpp).
func TestNames(t *testing.T) {
	avcProfiles := map[uint8]string{
		0: "Other", 44: "Other", 66: "Baseline", 77: "Main", 88: "Extended", 100: "High", 110: "High(10)",
		118: "Other", 122: "High(422)", 144: "High(444)", 244: "High(444+Predictive)", 255: "Other",
	}
	for p, want := range avcProfiles {
		if got := AVCProfileName(p); got != want {
			t.Errorf("AVCProfileName(%d) = %q, want %q", p, got, want)
		}
	}
	avcLevels := map[uint8]string{
		0: "Other", 9: "Other", 10: "1", 11: "1.1", 12: "1.2", 13: "1.3", 14: "Other", 20: "2", 21: "2.1",
		22: "2.2", 30: "3", 31: "3.1", 32: "3.2", 40: "4", 41: "4.1", 42: "Other", 50: "5", 51: "5.1",
		52: "Other", 60: "Other", 62: "Other", 255: "Other",
	}
	for l, want := range avcLevels {
		if got := AVCLevelName(l); got != want {
			t.Errorf("AVCLevelName(%d) = %q, want %q", l, got, want)
		}
	}
	hevcProfiles := map[uint8]string{
		0: "Other", 1: "Main", 2: "Main10", 3: "Main Still Picture", 4: "Rext", 5: "Other", 9: "Other", 31: "Other",
	}
	for p, want := range hevcProfiles {
		if got := HEVCProfileName(p); got != want {
			t.Errorf("HEVCProfileName(%d) = %q, want %q", p, got, want)
		}
	}
	hevcLevels := map[uint8]string{
		0: "Other", 3: "Other", 30: "1", 33: "Other", 60: "2", 63: "2.1", 66: "Other", 90: "3", 93: "3.1",
		96: "Other", 120: "4", 123: "4.1", 150: "5", 153: "5.1", 156: "5.2", 180: "6", 183: "6.1", 186: "6.2",
		189: "Other", 255: "Other",
	}
	for l, want := range hevcLevels {
		if got := HEVCLevelName(l); got != want {
			t.Errorf("HEVCLevelName(%d) = %q, want %q", l, got, want)
		}
	}
}
