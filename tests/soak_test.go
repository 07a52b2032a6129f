package tests

import (
	"flag"
	"os"
)

var soakFlag = flag.Bool("soak", false, "run the long soak and stall tests (also PICOSRS_SOAK=1)")

// soakEnabled reports whether the long-running checks were asked for.
func soakEnabled() bool { return *soakFlag || os.Getenv("PICOSRS_SOAK") == "1" }
