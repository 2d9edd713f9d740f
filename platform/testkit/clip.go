package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// VideoClip makes an MP4 test video (a test pattern with a tone) of the
// given length with ffmpeg. Without ffmpeg and ffprobe (which transcoding
// needs too) the test is skipped, or fails in CI, which must have them.
func VideoClip(t testing.TB, seconds int) []byte {
	t.Helper()
	_, e1 := exec.LookPath("ffmpeg")
	_, e2 := exec.LookPath("ffprobe")
	if e1 != nil || e2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg and ffprobe are required in CI")
		}
		t.Skip("ffmpeg or ffprobe is not installed")
	}
	out := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=320x240:rate=24:duration=%d", seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:duration=%d", seconds), "-c:v", "libx264", "-preset", "ultrafast",
		"-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	Must(t, err)
	return data
}
