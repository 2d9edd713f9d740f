package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// stderrTail is how much of a tool's stderr is kept for error messages: the
// cause is at the end, and keeping everything would let a chatty failure
// (one warning per frame) grow memory.
const stderrTail = 4 << 10

// result is what run learned from a process that started.
type result struct {
	stderr string // the last stderrTail bytes
}

// run starts bin and waits for it. A nil result means the process could not
// be started (or ctx was done before). On cancellation the process is killed
// (exec.CommandContext's default) and reaped by Wait, so no zombie is left;
// WaitDelay bounds the wait for its pipes after the kill.
func run(ctx context.Context, bin string, args []string, stdout io.Writer) (*result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tail := &tailBuffer{max: stderrTail}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = nil // /dev/null: ffmpeg otherwise reads keyboard commands from stdin
	cmd.Stdout = stdout
	cmd.Stderr = tail
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("video: starting %s: %w", filepath.Base(bin), err)
	}
	err := cmd.Wait()
	res := &result{stderr: tail.String()}
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("video: %s stopped: %w", filepath.Base(bin), ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return res, fmt.Errorf("video: %s failed (%v): %s", filepath.Base(bin), exit, summary(res.stderr))
	}
	return res, fmt.Errorf("video: %s: %w", filepath.Base(bin), err)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
