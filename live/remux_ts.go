package live

// tsEncoder writes HTTP-TS: the stream's shared TS bytes, after the PAT/PMT
// when the viewer does not start at a keyframe (which carries its own).
type tsEncoder struct {
	started bool
}

func (e *tsEncoder) encode(bufs [][]byte, batch []*Packet) ([][]byte, error) {
	for _, p := range batch {
		if len(p.ts) == 0 {
			continue
		}
		if !e.started {
			e.started = true
			if !p.keyframe && len(p.psi) > 0 {
				bufs = append(bufs, p.psi)
			}
		}
		bufs = append(bufs, p.ts)
	}
	return bufs, nil
}
