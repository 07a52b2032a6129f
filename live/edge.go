package live

// edgePlay is called when a player (HTTP or RTMP) attaches to st. On an edge
// vhost (cluster mode remote) the first player starts one RTMP pull from the
// origins; the returned function is called when that player leaves.
func (s *Server) edgePlay(st *Stream) func() { return func() {} }
