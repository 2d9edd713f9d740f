package grader

import (
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkGradeJavaScript grades the add solution end to end: a child
// started (cold) or taken from the pool (warm: the grading arrives when
// the pool has had time to start one), the request written, two tests
// run, the answer read.
func BenchmarkGradeJavaScript(b *testing.B) {
	for _, warm := range []int{-1, 1} {
		b.Run(map[int]string{-1: "cold", 1: "warm"}[warm], func(b *testing.B) {
			s := newTestService(b, func(c *Config) { c.Warm = warm; c.Command = benchCommand() })
			for b.Loop() {
				if r := grade(b, s, addTask, addSolution); !r.Passed {
					b.Fatal(r)
				}
				if warm > 0 {
					// A grading that arrives after a pause finds a warm child.
					b.StopTimer()
					for len(s.warm) == 0 {
						time.Sleep(time.Millisecond)
					}
					time.Sleep(150 * time.Millisecond) // its initialisation done
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkGradeJavaScriptConcurrent50 starts 50 gradings at once (the
// default concurrency: one per CPU) and reports the latency each caller
// saw, queueing included: p50 and p99 in milliseconds.
func BenchmarkGradeJavaScriptConcurrent50(b *testing.B) {
	s := newTestService(b, func(c *Config) { c.Concurrency = 0; c.Command = benchCommand() })
	var all []time.Duration
	for b.Loop() {
		lat := make([]time.Duration, 50)
		var wg sync.WaitGroup
		for i := range lat {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				if r := grade(b, s, addTask, addSolution); !r.Passed {
					b.Error(r)
				}
				lat[i] = time.Since(start)
			}()
		}
		wg.Wait()
		all = append(all, lat...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkChildStart is the cost of starting this binary as a child that
// exits at once (no grading): what a pool of warm children would save.
func BenchmarkChildStart(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = []string{EnvChild + "=1", EnvLimits + "=nonsense"}
		_ = cmd.Run() // answers "bad limits" at once
	}
}

// BenchmarkGradeInProcess is the grading alone, without the child.
func BenchmarkGradeInProcess(b *testing.B) {
	for b.Loop() {
		r, err := gradeLocal(addTask, addSolution, testLimits)
		if err != nil || !r.Passed {
			b.Fatal(r, err)
		}
	}
}

// benchCommand is the child the benchmarks start: this test binary, or the
// weaverse binary named by WEAVERSE_BENCH_BINARY (go build -o /tmp/weaverse
// .), to measure the product's own start-up.
func benchCommand() []string {
	if bin := os.Getenv("WEAVERSE_BENCH_BINARY"); bin != "" {
		return []string{bin, "grade"}
	}
	return nil
}
