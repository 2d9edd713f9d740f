package learning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Watch benchmarks: the real app on a loopback listener, many learners ×
// videos, benchConcurrency clients at once, each a learner playing its
// videos in turn. Reports requests (or events) per second and latency
// percentiles, and checks that every acknowledged event is stored.
//
//	go test ./modules/learning -run XXX -bench Watch -benchtime 20000x
//
// (with WEAVERSE_TEST_POSTGRES_URL set, on PostgreSQL too).
const (
	benchConcurrency = 50
	benchVideos      = 8
	benchBatch       = 100
)

type benchWorld struct {
	ta       *apptest.T
	base     string
	learners []user
	videos   []int64
}

func newBenchWorld(b *testing.B, dialect string) *benchWorld {
	b.Helper()
	ta := apptest.New(b, dialect)
	// Started as a server is: heartbeats share group commits.
	testkit.Must(b, ta.App.Start(context.Background()))
	tutor := newUser(b, ta, "tutor", "tutor")
	topics := make([]map[string]any, benchVideos)
	for i := range topics {
		topics[i] = map[string]any{"title": fmt.Sprintf("영상 %d", i), "kind": "video", "is_premium": true}
	}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "벤치", "category": "frontend",
		"skill_level": "beginner", "price": 30000, "status": "published",
		"lectures": []map[string]any{{"title": "1강", "topics": topics}}}, as(tutor)...).Status(201).JSON(&c)
	w := &benchWorld{ta: ta}
	for _, tp := range c.Lectures[0].Topics {
		var id int64
		now := ta.Clock.Now()
		testkit.Must(b, ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, size, duration_ms, width, height,
			renditions, progress, created_at, updated_at) VALUES (?, 'v', 'ready', 1000, 3600000, 1280, 720, '[]', 100, ?, ?) RETURNING id`,
			tutor.ID, now, now).Scan(context.Background(), &id))
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", id), map[string]any{"topic_id": tp.ID},
			as(tutor)...).Status(204)
		w.videos = append(w.videos, id)
	}
	g := grants(b, ta)
	for i := range benchConcurrency {
		u := newUser(b, ta, fmt.Sprintf("learner%d", i), "student")
		_, err := g.Grant(context.Background(), learning.GrantInput{UserID: u.ID, CourseID: c.ID, Source: learning.SourceGrant, Reason: "bench"})
		testkit.Must(b, err)
		w.learners = append(w.learners, u)
	}
	w.base = testkit.Listen(b, ta.App.Fiber)
	return w
}

// run sends b.N requests from benchConcurrency clients; body makes the
// request body of a learner's k-th request to a video, and events says how
// many events one carries.
//
// Before the clock starts, each learner opens each video (its k = 0
// request, a play): as a player does before its first heartbeat, after the
// playback request. That first request of a learner in a video checks the
// access and fills the short cache of what the video is (watch.go), and
// makes the progress row; its latency is reported apart (first_p99_ms).
// The clock then measures the steady stream of heartbeats.
func (w *benchWorld) run(b *testing.B, path string, events int, body func(k int) any) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchConcurrency * 2, MaxConnsPerHost: benchConcurrency * 2}}
	var acked atomic.Int64
	var failed atomic.Value
	send := func(u user, video int64, k int) (time.Duration, bool) {
		raw, _ := json.Marshal(body(k))
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/user/%d/video/%d/%s", w.base, u.ID, video, path), bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+u.Token)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			failed.Store(err.Error())
			return 0, false
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode != http.StatusCreated {
			failed.Store(fmt.Sprintf("%d: %s", resp.StatusCode, out))
			return d, false
		}
		acked.Add(int64(events))
		return d, true
	}
	// Every learner opens every video, all at once.
	first := make([][]time.Duration, benchConcurrency)
	var wg sync.WaitGroup
	for i, u := range w.learners {
		wg.Go(func() {
			for _, video := range w.videos {
				d, ok := send(u, video, 0)
				if !ok {
					return
				}
				first[i] = append(first[i], d)
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatalf("a first request failed: %v", f)
	}
	var next atomic.Int64
	lat := make([][]time.Duration, benchConcurrency)
	total := int64(b.N)
	b.ResetTimer()
	start := time.Now()
	for i, u := range w.learners {
		wg.Go(func() {
			k := len(w.videos)
			for next.Add(1) <= total {
				d, ok := send(u, w.videos[k%len(w.videos)], k/len(w.videos))
				if !ok {
					return
				}
				lat[i] = append(lat[i], d)
				k++
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f != nil {
		b.Fatalf("a request failed: %v", f)
	}
	all := slices.Concat(lat...)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(len(all)*events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(percentile(all, 0.50), "p50_ms")
	b.ReportMetric(percentile(all, 0.95), "p95_ms")
	b.ReportMetric(percentile(all, 0.99), "p99_ms")
	b.ReportMetric(percentile(slices.Concat(first...), 0.99), "first_p99_ms")
	stored := count(b, w.ta, "learning_watch_events", "1=1")
	if int64(stored) != acked.Load() {
		b.Fatalf("%d events stored, %d acknowledged", stored, acked.Load())
	}
}

// percentile returns the p-th latency of ds in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[min(len(ds)-1, int(float64(len(ds))*p))].Microseconds()) / 1000
}

func BenchmarkWatchHeartbeat(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			w := newBenchWorld(b, dialect)
			w.run(b, "event-occur/", 1, func(k int) any {
				typ := "timeupdate"
				if k == 0 {
					typ = "play"
				}
				return map[string]any{"event_type": typ, "current_time": float64(k % 3600)}
			})
		})
	}
}

func BenchmarkWatchBatch(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			w := newBenchWorld(b, dialect)
			w.run(b, "events/", benchBatch, func(k int) any {
				evs := make([]map[string]any, benchBatch)
				for j := range evs {
					evs[j] = map[string]any{"event_type": "timeupdate", "current_time": float64((k*benchBatch + j) % 3600)}
				}
				evs[0]["event_type"] = "play"
				return map[string]any{"events": evs}
			})
		})
	}
}
