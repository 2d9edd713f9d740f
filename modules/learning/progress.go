package learning

import (
	"slices"
	"time"
)

// The event types a player sends (the xAPI video profile's vocabulary,
// plus the heartbeat).
const (
	evPlay       = "play"
	evPause      = "pause"
	evSeek       = "seek"
	evTimeupdate = "timeupdate"
	evRatechange = "ratechange"
	evEnded      = "ended"
	evLeave      = "leave"
)

// EventTypes are the event types, in the order the API documents them.
var EventTypes = []string{evPlay, evPause, evSeek, evTimeupdate, evRatechange, evEnded, evLeave}

// Rules of watch progress.
const (
	// slackMS is the tolerance, on top of the rate tolerance, for a stretch
	// between two events: players report positions a little late or early.
	slackMS = 1500
	// rateTolerance allows a stretch to be this much faster than wall-clock
	// time × playback rate (timer jitter, network delays).
	rateTolerance = 0.25
	// maxCountedRateMilli caps the playback rate a stretch is judged at
	// (players offer up to 2×): a client saying 16× gets 2×.
	maxCountedRateMilli = 2000
	// maxIntervals bounds a progress row: a learner who skips around a long
	// video in tiny pieces gets nearby stretches joined (gaps under
	// joinGapMS) before the row grows past it.
	maxIntervals = 512
	joinGapMS    = 1000
)

// interval is a watched stretch [Start, End) in milliseconds.
type interval [2]int64

// watchState is the progress of one user in one video, as folded from its
// events; the same fold replayed over the stored events gives the same state.
type watchState struct {
	DurationMS  int64
	PositionMS  int64
	Intervals   []interval
	WatchedMS   int64
	LearningMS  int64
	Playing     bool
	RateMilli   int64
	LastEventAt time.Time // zero before the first event
	LastWatched time.Time // the last event that counted watching
	CompletedAt *time.Time
	Events      int64
}

// watchEvent is one event as the fold sees it: At is on the server's clock.
type watchEvent struct {
	Type       string
	PositionMS int64
	RateMilli  int64 // 0: unchanged
	At         time.Time
}

// apply folds e into s and returns the watching time (ms) e adds: the
// stretch from the last position to e's, when the player was playing and
// the stretch is no longer than the wall-clock time since the last event
// allows at the playback rate. A longer claim (a heartbeat saying 300 s were
// watched 10 s after the last) counts nothing, but still moves the resume
// position. completeRatio is the share of unique watched time that
// completes the video.
func (s *watchState) apply(e watchEvent, completeRatio float64) (countedMS int64) {
	s.Events++
	pos := min(max(e.PositionMS, 0), s.DurationMS)
	rate := s.RateMilli
	if rate <= 0 {
		rate = 1000
	}
	if e.RateMilli > 0 {
		rate = max(rate, e.RateMilli) // the faster of the two: the change may have come before its event
	}
	// Players offer up to 2×; a faster claim counts as 2×.
	rate = min(rate, maxCountedRateMilli)
	switch e.Type {
	case evTimeupdate, evPause, evEnded, evLeave, evRatechange:
		if s.Playing && !s.LastEventAt.IsZero() {
			countedMS = s.count(s.PositionMS, pos, e.At.Sub(s.LastEventAt), rate)
		}
	}
	if countedMS > 0 {
		s.LastWatched = e.At
	}
	s.PositionMS = pos
	if e.RateMilli > 0 {
		s.RateMilli = e.RateMilli
	}
	switch e.Type {
	case evPlay, evTimeupdate, evRatechange:
		s.Playing = true
	case evPause, evEnded, evLeave:
		s.Playing = false
	}
	if e.Type == evEnded {
		s.PositionMS = 0 // finished: the next visit starts from the beginning
	}
	if e.At.After(s.LastEventAt) {
		s.LastEventAt = e.At
	}
	if s.CompletedAt == nil && s.DurationMS > 0 && float64(s.WatchedMS) >= completeRatio*float64(s.DurationMS) {
		at := e.At
		s.CompletedAt = &at
	}
	return countedMS
}

// count adds the stretch [from, to) when it is plausible and returns the
// watching time it took (wall-clock, at the rate).
//
// The slack is never more than the time elapsed: events sent at the same
// instant (a batch without client times, parallel posts) add nothing,
// however many there are.
func (s *watchState) count(from, to int64, elapsed time.Duration, rateMilli int64) int64 {
	el := elapsed.Milliseconds()
	if to <= from || el <= 0 {
		return 0
	}
	allowed := float64(el)*float64(rateMilli)/1000*(1+rateTolerance) + float64(min(slackMS, el))
	if float64(to-from) > allowed {
		return 0 // faster than real time allows: not counted
	}
	s.addInterval(interval{from, to})
	wall := min((to-from)*1000/rateMilli, el) // time spent, never more than passed
	s.LearningMS += wall
	return wall
}

// addInterval merges iv into the sorted, disjoint intervals and updates
// WatchedMS: work is linear in the intervals kept, never in the events seen.
func (s *watchState) addInterval(iv interval) {
	out := make([]interval, 0, len(s.Intervals)+1)
	i := 0
	for ; i < len(s.Intervals) && s.Intervals[i][1] < iv[0]; i++ {
		out = append(out, s.Intervals[i])
	}
	for ; i < len(s.Intervals) && s.Intervals[i][0] <= iv[1]; i++ {
		iv[0] = min(iv[0], s.Intervals[i][0])
		iv[1] = max(iv[1], s.Intervals[i][1])
	}
	out = append(out, iv)
	out = append(out, s.Intervals[i:]...)
	if len(out) > maxIntervals {
		out = joinClose(out)
	}
	s.Intervals = out
	s.WatchedMS = 0
	for _, v := range out {
		s.WatchedMS += v[1] - v[0]
	}
}

// joinClose joins intervals separated by less than joinGapMS (counting the
// gaps as watched: a second here and there), then, if still too many, the
// closest pairs until maxIntervals remain.
func joinClose(in []interval) []interval {
	out := []interval{in[0]}
	for _, v := range in[1:] {
		if last := &out[len(out)-1]; v[0]-last[1] < joinGapMS {
			last[1] = max(last[1], v[1])
			continue
		}
		out = append(out, v)
	}
	for len(out) > maxIntervals {
		best := 0
		for i := 1; i+1 < len(out); i++ {
			if out[i+1][0]-out[i][1] < out[best+1][0]-out[best][1] {
				best = i
			}
		}
		out[best][1] = out[best+1][1]
		out = slices.Delete(out, best+1, best+2)
	}
	return out
}

// resumeSeconds is where a player should start: the stored position, or
// the start when less than a few seconds remain.
func (s *watchState) resumeSeconds() float64 {
	if s.DurationMS > 0 && s.DurationMS-s.PositionMS < 3000 {
		return 0
	}
	return float64(s.PositionMS) / 1000
}
