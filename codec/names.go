package codec

// The names below are SRS's, string for string (ossrs/srs
// trunk/src/kernel/srs_kernel_codec.cpp: srs_avc_profile2str,
// srs_avc_level2str, srs_hevc_profile2str, srs_hevc_level2str), so the HTTP
// API reports what SRS reports for the same stream. SRS names only the
// values in its enums; any other value is "Other", as in SRS.

// AVCProfileName names an H.264 profile_idc (ITU-T H.264 A.2) as SRS does:
// Baseline, Main, Extended, High, High(10), High(422), High(444) (profile
// 144, since removed from the standard), High(444+Predictive) (244), or
// Other. SRS takes the profile from AVCProfileIndication, so its constrained
// and intra variants, which need the constraint flags, never show.
func AVCProfileName(profileIDC uint8) string {
	switch profileIDC {
	case 66:
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		return "High(10)"
	case 122:
		return "High(422)"
	case 144:
		return "High(444)"
	case 244:
		return "High(444+Predictive)"
	}
	return "Other"
}

// AVCLevelName names an H.264 level_idc (ITU-T H.264 A.3) as SRS does: "1",
// "1.1" to "1.3", "2" to "2.2", "3" to "3.2", "4", "4.1", "5", "5.1", else
// "Other". SRS has no name for level 1b (level_idc 9), 4.2, 5.2 or 6 to 6.2.
func AVCLevelName(levelIDC uint8) string {
	switch levelIDC {
	case 10:
		return "1"
	case 11:
		return "1.1"
	case 12:
		return "1.2"
	case 13:
		return "1.3"
	case 20:
		return "2"
	case 21:
		return "2.1"
	case 22:
		return "2.2"
	case 30:
		return "3"
	case 31:
		return "3.1"
	case 32:
		return "3.2"
	case 40:
		return "4"
	case 41:
		return "4.1"
	case 50:
		return "5"
	case 51:
		return "5.1"
	}
	return "Other"
}

// HEVCProfileName names an HEVC general_profile_idc (ITU-T H.265 A.3) as SRS
// does: Main, Main10, Main Still Picture, Rext (range extensions, profile
// idc 4), or Other.
func HEVCProfileName(generalProfileIDC uint8) string {
	switch generalProfileIDC {
	case 1:
		return "Main"
	case 2:
		return "Main10"
	case 3:
		return "Main Still Picture"
	case 4:
		return "Rext"
	}
	return "Other"
}

// HEVCLevelName names an HEVC general_level_idc, 30 times the level (ITU-T
// H.265 A.4), as SRS does: 30 is "1", 93 is "3.1", up to 186, "6.2"; a value
// that is not one of the 13 levels of A.4 is "Other".
func HEVCLevelName(generalLevelIDC uint8) string {
	switch generalLevelIDC {
	case 30:
		return "1"
	case 60:
		return "2"
	case 63:
		return "2.1"
	case 90:
		return "3"
	case 93:
		return "3.1"
	case 120:
		return "4"
	case 123:
		return "4.1"
	case 150:
		return "5"
	case 153:
		return "5.1"
	case 156:
		return "5.2"
	case 180:
		return "6"
	case 183:
		return "6.1"
	case 186:
		return "6.2"
	}
	return "Other"
}
