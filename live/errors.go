package live

import (
	"context"
	"syscall"
)

var errTooManyFiles = syscall.EMFILE

var ctxBackground = context.Background()
