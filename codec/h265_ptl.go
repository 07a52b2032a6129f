package codec

// H265ProfileTierLevel is the profile_tier_level( 1, maxNumSubLayersMinus1 )
// of an HEVC VPS or SPS: the general profile, tier and level, and those of
// each sub-layer that codes them.
//
// Specification: ITU-T H.265 7.3.3 (syntax), 7.4.4 (semantics).
type H265ProfileTierLevel struct {
	GeneralProfileSpace              uint8  // 0..3
	GeneralTierFlag                  bool   // false Main tier, true High tier
	GeneralProfileIDC                uint8  // 0..31: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions
	GeneralProfileCompatibilityFlags uint32 // flag j is bit 31-j
	GeneralConstraintIndicatorFlags  uint64 // 48 bits from general_progressive_source_flag (bit 47) to general_inbld_flag
	GeneralLevelIDC                  uint8  // 30 times the level: 93 is level 3.1

	SubLayers []H265SubLayer // sps_max_sub_layers_minus1 entries (at most 6), nil for none
}

// H265SubLayer is the profile and level of one sub-layer in a
// profile_tier_level( ); a field is zero unless its present flag is set.
type H265SubLayer struct {
	ProfilePresent            bool
	LevelPresent              bool
	ProfileSpace              uint8
	TierFlag                  bool
	ProfileIDC                uint8
	ProfileCompatibilityFlags uint32
	ConstraintIndicatorFlags  uint64 // 48 bits, as in the general fields
	LevelIDC                  uint8
}

// read decodes a profile_tier_level( 1, maxSubLayersMinus1 ),
// maxSubLayersMinus1 0..6. Errors stay in r.
func (p *H265ProfileTierLevel) read(r *bitReader, maxSubLayersMinus1 int) {
	p.GeneralProfileSpace = uint8(r.u(2))
	p.GeneralTierFlag = r.flag()
	p.GeneralProfileIDC = uint8(r.u(5))
	p.GeneralProfileCompatibilityFlags = r.u(32)
	p.GeneralConstraintIndicatorFlags = r.u64(48)
	p.GeneralLevelIDC = uint8(r.u(8))
	p.SubLayers = nil
	if maxSubLayersMinus1 == 0 || r.err != nil {
		return
	}
	subs := make([]H265SubLayer, maxSubLayersMinus1)
	for i := range subs {
		subs[i].ProfilePresent = r.flag()
		subs[i].LevelPresent = r.flag()
	}
	r.skip(2 * (8 - maxSubLayersMinus1)) // reserved_zero_2bits
	for i := range subs {
		s := &subs[i]
		if s.ProfilePresent {
			s.ProfileSpace = uint8(r.u(2))
			s.TierFlag = r.flag()
			s.ProfileIDC = uint8(r.u(5))
			s.ProfileCompatibilityFlags = r.u(32)
			s.ConstraintIndicatorFlags = r.u64(48)
		}
		if s.LevelPresent {
			s.LevelIDC = uint8(r.u(8))
		}
	}
	p.SubLayers = subs
}
