// Package sysmem reports how much memory this process may still use, for
// sizing memory-bound work (image decodes) from the machine rather than a
// guess.
package sysmem

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Fallback is what Available reports when nothing can be read (not Linux,
// no /proc): a modest machine.
const Fallback = 1 << 30

// Available returns the memory still available to this process, in bytes:
// the smaller of the machine's MemAvailable and what the cgroup (v2 or v1)
// limit leaves, or Fallback when neither can be read.
func Available() int64 {
	avail := meminfo("MemAvailable")
	if limit, used := cgroup(); limit > 0 {
		left := max(limit-used, 0)
		if avail <= 0 || left < avail {
			avail = left
		}
	}
	if avail <= 0 {
		return Fallback
	}
	return avail
}

// meminfo returns a /proc/meminfo field in bytes, 0 when it cannot.
func meminfo(field string) int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}

// cgroup returns the memory limit and usage of this process's cgroup, 0
// when it has no limit or none can be read.
func cgroup() (limit, used int64) {
	for _, p := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		limit, used = readInt(p[0]), readInt(p[1])
		// v1 reports "no limit" as a huge number.
		if limit > 0 && limit < 1<<60 {
			return limit, used
		}
	}
	return 0, 0
}

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return 0 // "max"
	}
	return n
}
