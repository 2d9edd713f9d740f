//go:build linux

package grader

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sandboxed: this platform has the process limits a child needs.
const sandboxed = true

// applyLimits puts the child under its limits: address space (what the
// process has mapped now plus the memory limit: a Go runtime that cannot
// grow dies with "fatal error: out of memory", which the parent reports as
// memory_limit), CPU seconds (SIGKILL at the limit), a few open files (the
// ones it has), no file written, no core dump.
//
// The address space starts well above what the process uses: the Go
// runtime reserves about a gigabyte and a half of address space it never
// touches (heap and page-allocator indexes, PROT_NONE), so an absolute
// RLIMIT_AS below that would kill every child at its first allocation.
func applyLimits(lim Limits) error {
	cpu := uint64((lim.CPU + time.Second - 1) / time.Second)
	mapped, err := mappedBytes()
	if err != nil {
		return err
	}
	for _, l := range []struct {
		res int
		val uint64
	}{
		{syscall.RLIMIT_CORE, 0},
		{syscall.RLIMIT_FSIZE, 0},
		{syscall.RLIMIT_NOFILE, 16},
		{syscall.RLIMIT_CPU, cpu},
		{syscall.RLIMIT_AS, mapped + uint64(lim.Memory)},
	} {
		if err := syscall.Setrlimit(l.res, &syscall.Rlimit{Cur: l.val, Max: l.val}); err != nil {
			return err
		}
	}
	return nil
}

// mappedBytes is the process's address space now (VmSize).
func mappedBytes() (uint64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmSize %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmSize in /proc/self/status")
}

// childAttrs starts the child in its own process group (killed whole) and
// kills it when the parent's thread that started it dies.
func childAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killChild kills the child's process group.
func killChild(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Process.Kill()
	}
}

// killedBy reports whether a child was killed by a signal, and whether by
// its CPU limit (SIGXCPU, or SIGKILL once the CPU time is at the limit).
func killedBy(ps *os.ProcessState, cpuLimit time.Duration) (signaled, cpu bool) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return false, false
	}
	used := ps.UserTime() + ps.SystemTime()
	sig := ws.Signal()
	return true, sig == syscall.SIGXCPU || sig == syscall.SIGKILL && used >= cpuLimit-cpuLimit/10
}
