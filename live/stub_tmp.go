package live

import "net"

func (s *Server) ServeRTMP(ln net.Listener) error { return nil }
