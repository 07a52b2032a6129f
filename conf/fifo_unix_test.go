//go:build unix

package conf

import "syscall"

func mkfifo(name string) error { return syscall.Mkfifo(name, 0o600) }
