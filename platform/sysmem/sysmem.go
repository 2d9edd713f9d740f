// Package sysmem tells how much memory this process may use, for sizing
// memory-bound work (password hashing, image decodes) from the machine
// rather than a guess. The cgroup (v1 and v2) and system limits are read by
// github.com/KimMachineGun/automemlimit, a maintained library, not by our
// own /proc parsing.
package sysmem

import (
	"math"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// Fallback is what Limit reports when nothing can be read (not Linux, no
// cgroup, no /proc): a modest machine.
const Fallback = 1 << 30

// Limit returns the memory this process may use, in bytes: the smallest of
// GOMEMLIMIT (when set), the cgroup's limit and the machine's memory, or
// Fallback when none is known.
func Limit() int64 {
	var limit uint64
	if l := debug.SetMemoryLimit(-1); l > 0 && l < math.MaxInt64 {
		limit = uint64(l)
	}
	for _, source := range []memlimit.Provider{memlimit.FromCgroup, memlimit.FromSystem} {
		if l, err := source(); err == nil && l > 0 && (limit == 0 || l < limit) {
			limit = l
		}
	}
	if limit == 0 || limit > math.MaxInt64 {
		return Fallback
	}
	return int64(limit)
}
