//go:build !linux

package grader

import (
	"errors"
	"os"
	"os/exec"
	"time"
)

// sandboxed: without Linux's process limits a child could not be kept from
// exhausting the machine's memory, so the local graders fail closed: every
// grading is "unavailable" (Service.Grade), and a child refuses to run.
const sandboxed = false

func applyLimits(Limits) error {
	return errors.New("grading needs Linux process limits (RLIMIT_AS, RLIMIT_CPU)")
}

func childAttrs(*exec.Cmd) {}

func killChild(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

func killedBy(*os.ProcessState, time.Duration) (signaled, cpu bool) { return false, false }
