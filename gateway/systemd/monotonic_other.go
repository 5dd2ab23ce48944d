//go:build !linux

package systemd

func monotonicUsec() int64 { return 0 }
