package sysmem

import (
	"os"
	"testing"
)

func TestAvailable(t *testing.T) {
	n := Available()
	if n <= 0 {
		t.Fatalf("Available() = %d", n)
	}
	if _, err := os.Stat("/proc/meminfo"); err == nil && meminfo("MemTotal") <= 0 {
		t.Fatal("MemTotal not read from /proc/meminfo")
	}
	t.Logf("available: %d MiB", n>>20)
}
