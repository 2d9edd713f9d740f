package sysmem

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestLimit(t *testing.T) {
	n := Limit()
	if n <= 0 {
		t.Fatalf("Limit() = %d", n)
	}
	if _, err := os.Stat("/proc/meminfo"); err == nil && n == Fallback {
		t.Fatal("the machine's memory was not read")
	}
	t.Logf("limit: %d MiB", n>>20)
}

func TestLimitHonoursGOMEMLIMIT(t *testing.T) {
	old := debug.SetMemoryLimit(256 << 20)
	defer debug.SetMemoryLimit(old)
	if got := Limit(); got != 256<<20 {
		t.Fatalf("Limit() = %d MiB under GOMEMLIMIT=256MiB", got>>20)
	}
}
