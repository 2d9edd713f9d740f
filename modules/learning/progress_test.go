package learning

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fold applies events spaced by the given seconds of wall-clock time.
type step struct {
	typ   string
	pos   float64 // seconds
	after float64 // wall-clock seconds since the previous event
	rate  float64 // 0: unchanged
}

func run(durSec float64, steps []step) (watchState, []int64) {
	st := watchState{DurationMS: ms(durSec), RateMilli: 1000}
	at := t0
	var counted []int64
	for _, s := range steps {
		at = at.Add(time.Duration(s.after * float64(time.Second)))
		counted = append(counted, st.apply(watchEvent{Type: s.typ, PositionMS: ms(s.pos), RateMilli: ms(s.rate), At: at}, 0.9))
	}
	return st, counted
}

func heartbeats(from, to, every float64) []step {
	var out []step
	for p := from + every; p <= to+1e-9; p += every {
		out = append(out, step{typ: evTimeupdate, pos: p, after: every})
	}
	return out
}

func TestFold(t *testing.T) {
	t.Parallel()
	seekWatch := append(append([]step{{typ: evPlay, pos: 0}}, heartbeats(0, 30, 10)...), step{typ: evSeek, pos: 60})
	seekWatch = append(seekWatch, heartbeats(60, 90, 10)...)
	rewatch := append(slices.Clone(seekWatch), step{typ: evSeek, pos: 0}, step{typ: evPlay, pos: 0})
	rewatch = append(rewatch, heartbeats(0, 30, 10)...)
	fast := []step{{typ: evPlay, pos: 0, rate: 2}}
	fast = append(fast, step{typ: evTimeupdate, pos: 20, after: 10})
	for _, tc := range []struct {
		name              string
		dur               float64
		steps             []step
		watched, learning float64
		completed         bool
		resume            float64
		countedLast       float64
		intervals         []interval
	}{
		{name: "0-30, seek 60, to 90: 60 unique seconds", dur: 600, steps: seekWatch, watched: 60, learning: 60, resume: 90,
			countedLast: 10, intervals: []interval{{0, 30000}, {60000, 90000}}},
		{name: "re-watching adds learning time, not watched time", dur: 600, steps: rewatch, watched: 60, learning: 90, resume: 30,
			countedLast: 10, intervals: []interval{{0, 30000}, {60000, 90000}}},
		{name: "300 s claimed after 10 s: not counted, position moves", dur: 600,
			steps:   []step{{typ: evPlay, pos: 0}, {typ: evTimeupdate, pos: 10, after: 10}, {typ: evTimeupdate, pos: 310, after: 10}},
			watched: 10, learning: 10, resume: 310, countedLast: 0, intervals: []interval{{0, 10000}}},
		{name: "rate 2: twice the speed allowed", dur: 600, steps: fast, watched: 20, learning: 10, resume: 20, countedLast: 10,
			intervals: []interval{{0, 20000}}},
		{name: "rate 1: twice the speed refused", dur: 600,
			steps:   []step{{typ: evPlay, pos: 0}, {typ: evTimeupdate, pos: 20, after: 10}},
			watched: 0, resume: 20, countedLast: 0},
		{name: "paused: nothing counts", dur: 600,
			steps:   []step{{typ: evPlay, pos: 0}, {typ: evPause, pos: 5, after: 5}, {typ: evTimeupdate, pos: 15, after: 10}},
			watched: 5, learning: 5, resume: 15, countedLast: 0, intervals: []interval{{0, 5000}}},
		{name: "90% completes; ended resumes from the start", dur: 100,
			steps:   append(append([]step{{typ: evPlay, pos: 0}}, heartbeats(0, 90, 10)...), step{typ: evEnded, pos: 100, after: 10}),
			watched: 100, learning: 100, completed: true, resume: 0, countedLast: 10, intervals: []interval{{0, 100000}}},
		{name: "89% does not complete", dur: 100,
			steps:   append([]step{{typ: evPlay, pos: 0}}, append(heartbeats(0, 80, 10), step{typ: evPause, pos: 89, after: 9})...),
			watched: 89, learning: 89, resume: 89, countedLast: 9, intervals: []interval{{0, 89000}}},
		{name: "a position past the end is clamped", dur: 10,
			steps:   []step{{typ: evPlay, pos: 0}, {typ: evTimeupdate, pos: 11, after: 10}},
			watched: 10, learning: 10, completed: true, resume: 0, countedLast: 10, intervals: []interval{{0, 10000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, counted := run(tc.dur, tc.steps)
			if got := secs(st.WatchedMS); got != tc.watched {
				t.Errorf("watched %v, want %v (%v)", got, tc.watched, st.Intervals)
			}
			if got := secs(st.LearningMS); got != tc.learning {
				t.Errorf("learning %v, want %v", got, tc.learning)
			}
			if got := st.CompletedAt != nil; got != tc.completed {
				t.Errorf("completed %v, want %v", got, tc.completed)
			}
			if got := st.resumeSeconds(); got != tc.resume {
				t.Errorf("resume %v, want %v", got, tc.resume)
			}
			if got := secs(counted[len(counted)-1]); got != tc.countedLast {
				t.Errorf("the last event counted %v, want %v", got, tc.countedLast)
			}
			if !slices.Equal(st.Intervals, tc.intervals) {
				t.Errorf("intervals %v, want %v", st.Intervals, tc.intervals)
			}
			checkInvariants(t, st)
		})
	}
}

func TestPlaceEvents(t *testing.T) {
	t.Parallel()
	now := t0.Add(time.Hour)
	ct := func(sec int) *time.Time { x := t0.Add(time.Duration(sec) * time.Second); return &x }
	batch := []EventInput{{EventType: evPlay, ClientTime: ct(0)}, {EventType: evTimeupdate, ClientTime: ct(10)},
		{EventType: evTimeupdate, ClientTime: ct(300)}}
	// The last is now; the others spaced by client time, but never before
	// the last report (20 s ago).
	got := placeEvents(batch, now, now.Add(-20*time.Second), true)
	want := []time.Time{now.Add(-20 * time.Second), now.Add(-20 * time.Second), now}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("placed %v, want %v", got, want)
	}
	// Without a previous report: no more than one heartbeat back.
	got = placeEvents(batch, now, time.Time{}, true)
	if !got[0].Equal(now.Add(-firstBatchAge)) || !got[2].Equal(now) {
		t.Errorf("placed %v", got)
	}
	// Client times out of order never place events out of order.
	got = placeEvents([]EventInput{{EventType: evPlay, ClientTime: ct(50)}, {EventType: evPause, ClientTime: ct(10)},
		{EventType: evPlay, ClientTime: ct(40)}}, now, time.Time{}, true)
	for i := 1; i < len(got); i++ {
		if got[i].Before(got[i-1]) || got[i].After(now) {
			t.Errorf("placed %v", got)
		}
	}
	// A single event happens now, whatever its client time.
	if got := placeEvents([]EventInput{{EventType: evPlay, ClientTime: ct(0)}}, now, time.Time{}, false); !got[0].Equal(now) {
		t.Errorf("single placed at %v", got[0])
	}
}

func TestJoinCloseBoundsIntervals(t *testing.T) {
	t.Parallel()
	st := watchState{DurationMS: 10_000_000}
	// 2,000 one-second stretches 2 s apart: the row keeps at most maxIntervals.
	for i := range int64(2000) {
		st.addInterval(interval{i * 3000, i*3000 + 1000})
	}
	if len(st.Intervals) > maxIntervals {
		t.Fatalf("%d intervals kept", len(st.Intervals))
	}
	checkInvariants(t, st)
	if st.WatchedMS < 2000*1000 {
		t.Fatalf("joining lost watched time: %d", st.WatchedMS)
	}
}

// checkInvariants: sorted, disjoint (and not touching), non-empty,
// watched = sum, inside the video.
func checkInvariants(t testing.TB, st watchState) {
	t.Helper()
	var sum int64
	for i, iv := range st.Intervals {
		if iv[0] >= iv[1] {
			t.Fatalf("empty or reversed interval %v", iv)
		}
		if iv[0] < 0 || iv[1] > st.DurationMS {
			t.Fatalf("interval %v outside the video (%d ms)", iv, st.DurationMS)
		}
		if i > 0 && st.Intervals[i-1][1] >= iv[0] {
			t.Fatalf("intervals not sorted and disjoint: %v", st.Intervals)
		}
		sum += iv[1] - iv[0]
	}
	if sum != st.WatchedMS {
		t.Fatalf("watched %d, intervals sum to %d", st.WatchedMS, sum)
	}
	if st.WatchedMS > st.DurationMS {
		t.Fatalf("watched %d > duration %d", st.WatchedMS, st.DurationMS)
	}
	if len(st.Intervals) > maxIntervals {
		t.Fatalf("%d intervals", len(st.Intervals))
	}
}

// FuzzFold folds arbitrary event streams: the invariants always hold, and
// replaying the same events from the start gives the same state.
func FuzzFold(f *testing.F) {
	f.Add(uint32(600_000), []byte{0, 0, 0, 0, 10, 3, 0, 30, 10, 2, 0, 60, 0, 3, 0, 90, 10, 3})
	f.Add(uint32(10_000), []byte{0, 0, 0, 0, 0, 3, 255, 255, 255, 3, 1, 1, 1, 5, 2, 2})
	f.Add(uint32(1), []byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, dur uint32, data []byte) {
		durMS := int64(dur % 20_000_000)
		var evs []watchEvent
		at := t0
		for len(data) >= 4 && len(evs) < 2000 {
			typ := EventTypes[int(data[0])%len(EventTypes)]
			pos := int64(binary.BigEndian.Uint16(data[1:3])) * 100
			at = at.Add(time.Duration(data[3]) * 100 * time.Millisecond)
			rate := int64(0)
			if data[0]&0x80 != 0 {
				rate = 62 + int64(data[3])*62 // 0.0625–16
			}
			evs = append(evs, watchEvent{Type: typ, PositionMS: pos, RateMilli: rate, At: at})
			data = data[4:]
		}
		fold := func() (watchState, []int64) {
			st := watchState{DurationMS: durMS, RateMilli: 1000}
			var c []int64
			for _, e := range evs {
				before := st.WatchedMS
				c = append(c, st.apply(e, 0.9))
				if st.WatchedMS < before {
					t.Fatalf("watched went down: %d → %d", before, st.WatchedMS)
				}
				checkInvariants(t, st)
			}
			return st, c
		}
		a, ca := fold()
		b, cb := fold()
		if !slices.Equal(ca, cb) || a.WatchedMS != b.WatchedMS || a.LearningMS != b.LearningMS ||
			!slices.Equal(a.Intervals, b.Intervals) || a.PositionMS != b.PositionMS {
			t.Fatalf("replay differs: %+v vs %+v", a, b)
		}
		// Re-applying an interval already watched changes nothing.
		if len(a.Intervals) > 0 {
			c := a
			c.Intervals = slices.Clone(a.Intervals)
			c.addInterval(a.Intervals[len(a.Intervals)/2])
			if !slices.Equal(c.Intervals, a.Intervals) || c.WatchedMS != a.WatchedMS {
				t.Fatalf("re-adding a watched stretch changed %v into %v", a.Intervals, c.Intervals)
			}
		}
	})
}

// Found in review: the per-event slack let 400 events sent at one instant
// claim a whole video, and a self-declared 16× rate completed a 600 s video
// in 30 s.
func TestFoldRefusesInstantAndFastClaims(t *testing.T) {
	t.Parallel()
	st := watchState{DurationMS: 600_000, RateMilli: 1000}
	st.apply(watchEvent{Type: evPlay, At: t0}, 0.9)
	for i := int64(1); i <= 400; i++ {
		st.apply(watchEvent{Type: evTimeupdate, PositionMS: i * 1500, At: t0}, 0.9)
	}
	if st.WatchedMS != 0 || st.LearningMS != 0 || st.CompletedAt != nil {
		t.Fatalf("400 events at one instant counted %d ms (learning %d)", st.WatchedMS, st.LearningMS)
	}
	st = watchState{DurationMS: 600_000, RateMilli: 1000}
	st.apply(watchEvent{Type: evPlay, RateMilli: 16000, At: t0}, 0.9)
	for i := int64(1); i <= 3; i++ {
		st.apply(watchEvent{Type: evTimeupdate, PositionMS: i * 190_000, RateMilli: 16000, At: t0.Add(time.Duration(i) * 10 * time.Second)}, 0.9)
	}
	if st.WatchedMS != 0 || st.CompletedAt != nil {
		t.Fatalf("16× claims counted %d ms", st.WatchedMS)
	}
	// At 2× (what players offer), 10 s of wall-clock covers 20 s of video.
	st = watchState{DurationMS: 600_000, RateMilli: 1000}
	st.apply(watchEvent{Type: evPlay, RateMilli: 2000, At: t0}, 0.9)
	st.apply(watchEvent{Type: evTimeupdate, PositionMS: 20_000, RateMilli: 2000, At: t0.Add(10 * time.Second)}, 0.9)
	if st.WatchedMS != 20_000 || st.LearningMS != 10_000 {
		t.Fatalf("2×: watched %d, learning %d", st.WatchedMS, st.LearningMS)
	}
}
