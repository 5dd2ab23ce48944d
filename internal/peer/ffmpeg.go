package peer

import (
	"os/exec"
	"testing"
)

// FFprobe returns the path of ffprobe, or calls Missing.
func FFprobe(t testing.TB) string {
	t.Helper()
	return lookTool(t, "ffprobe")
}

// FFmpeg returns the path of ffmpeg, or calls Missing.
func FFmpeg(t testing.TB) string {
	t.Helper()
	return lookTool(t, "ffmpeg")
}

func lookTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name)
	}
	return p
}
