package live

import "syscall"

// errTooManyFiles is the accept error after which the RTMP listener backs off.
var errTooManyFiles = syscall.EMFILE
