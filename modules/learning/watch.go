package learning

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Limits of the watch API.
const (
	// MaxBatch is the most events one batch may carry.
	MaxBatch = 500
	// maxBatchAge is how far back a buffered batch's first event may be
	// placed: a player that was offline longer still moves the resume
	// position, but its old stretches are not counted as watched now.
	maxBatchAge = 2 * time.Minute
	// firstBatchAge is how far back the first batch of a user in a video
	// may reach: one heartbeat interval and its slack.
	firstBatchAge = 15 * time.Second
	// positionSlackMS: players report a position a little past the end.
	positionSlackMS = 1000
)

// EventInput is one event a player reports.
type EventInput struct {
	EventType    string     `json:"event_type" enum:"play,pause,seek,timeupdate,ratechange,ended,leave" doc:"timeupdate is the heartbeat (every ~10 s while playing); seek carries the position after the seek."`
	CurrentTime  float64    `json:"current_time" minimum:"0" maximum:"360000" doc:"The playback position, in seconds."`
	Duration     *float64   `json:"duration,omitempty" minimum:"0" maximum:"360000" doc:"The length the player knows, in seconds (informative: the server's is used)."`
	PlaybackRate *float64   `json:"playback_rate,omitempty" minimum:"0.0625" maximum:"16" doc:"Playback speed (1 when absent and never sent)."`
	ClientTime   *time.Time `json:"client_time,omitempty" doc:"When the player saw it (batches: spaces the events; the server's clock places them)."`
}

// Event is a stored event.
type Event struct {
	ID             int64      `json:"id"`
	EventType      string     `json:"event_type"`
	CurrentTime    float64    `json:"current_time"`
	Duration       *float64   `json:"duration,omitempty"`
	PlaybackRate   float64    `json:"playback_rate"`
	ClientTime     *time.Time `json:"client_time,omitempty"`
	OccurredAt     time.Time  `json:"occurred_at" doc:"On the server's clock."`
	CountedSeconds float64    `json:"counted_seconds" doc:"Watching time this event added (0 when the stretch was not plausible or nothing played)."`
}

// Progress is a user's progress in a video.
type Progress struct {
	VideoID         int64      `json:"video_id"`
	Duration        float64    `json:"duration" doc:"Seconds."`
	ResumePosition  float64    `json:"resume_position" doc:"Where to start again, in seconds (0 at the end)."`
	WatchedSeconds  float64    `json:"watched_seconds" doc:"Unique seconds watched: merged stretches, never the furthest point."`
	WatchedRatio    float64    `json:"watched_ratio" doc:"watched_seconds / duration, 0–1."`
	Completed       bool       `json:"completed"`
	CompletedAt     *time.Time `json:"completed_at"`
	LastWatchedAt   *time.Time `json:"last_watched_at"`
	LearningSeconds float64    `json:"learning_seconds" doc:"Time spent watching, re-watching included."`
}

func eventOut(r watchEventRow) Event {
	e := Event{ID: r.ID, EventType: r.EventType, CurrentTime: secs(r.PositionMS), PlaybackRate: float64(r.RateMilli) / 1000,
		ClientTime: utcPtr(r.ClientTime), OccurredAt: r.OccurredAt.UTC(), CountedSeconds: secs(r.CountedMS)}
	if r.DurationMS != nil {
		d := secs(*r.DurationMS)
		e.Duration = &d
	}
	return e
}

func progressOut(videoID int64, st watchState) Progress {
	p := Progress{VideoID: videoID, Duration: secs(st.DurationMS), ResumePosition: st.resumeSeconds(),
		WatchedSeconds: secs(st.WatchedMS), LearningSeconds: secs(st.LearningMS), Completed: st.CompletedAt != nil,
		CompletedAt: utcPtr(st.CompletedAt)}
	if st.DurationMS > 0 {
		p.WatchedRatio = min(float64(st.WatchedMS)/float64(st.DurationMS), 1)
	}
	if !st.LastWatched.IsZero() {
		t := st.LastWatched.UTC()
		p.LastWatchedAt = &t
	}
	return p
}

// playInfo returns what recording p's events in a video needs, from the
// short cache or from media (may p play it, how long is it) and the catalog
// (which topics play it).
func (s *service) playInfo(ctx context.Context, p *authz.Principal, videoID int64) (playInfo, error) {
	key := playKey{p.UserID, videoID}
	now := s.clock.Now()
	if pi, ok := s.playable.Get(key); ok && !now.After(pi.at.Add(playableTTL)) && !now.Before(pi.at) {
		return pi, nil
	}
	dur, err := s.player.PlayableVideo(ctx, p, videoID)
	if err != nil {
		return playInfo{}, err
	}
	topics, err := s.viewableVideoTopics(ctx, p, videoID)
	if err != nil {
		return playInfo{}, err
	}
	pi := playInfo{durationMS: ms(dur), topics: topics, at: now}
	if len(topics) > 0 {
		// Their courses' topics, for completing a course: read now, since
		// Record's transaction may not use the reader pool.
		ids := make([]int64, 0, len(topics))
		for _, t := range topics {
			ids = append(ids, t.CourseID)
		}
		if pi.courseTopics, err = s.syllabus.TopicRefs(ctx, ids); err != nil {
			return playInfo{}, err
		}
	}
	s.playable.Add(key, pi)
	return pi, nil
}

// viewableVideoTopics returns the topics that play a video and that p may
// view: playing it through a free preview (or a course p edits) must not
// complete, or start, the premium topic of another course that uses the
// same video, nor anything of a course p may not read.
func (s *service) viewableVideoTopics(ctx context.Context, p *authz.Principal, videoID int64) ([]catalog.TopicRef, error) {
	all, err := s.syllabus.VideoTopics(ctx, media.VideoRef(videoID))
	if err != nil || len(all) == 0 {
		return nil, err
	}
	open := map[int64]bool{}
	seen := map[int64]bool{}
	for _, t := range all {
		if seen[t.CourseID] {
			continue
		}
		seen[t.CourseID] = true
		o, err := s.syllabus.Outline(ctx, p, t.CourseID)
		if apperr.KindOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, l := range o.Lectures {
			for _, ot := range l.Topics {
				open[ot.ID] = !ot.Locked
			}
		}
	}
	var out []catalog.TopicRef
	for _, t := range all {
		if open[t.ID] {
			out = append(out, t)
		}
	}
	return out, nil
}

// Record stores a user's events in a video and folds them into the
// progress, in one transaction (shared with concurrent calls: group.go):
// all of them, or none when one is invalid.
// Only the user may record their own watching, whatever their role.
func (s *service) Record(ctx context.Context, p *authz.Principal, uid, videoID int64, in []EventInput, batch bool) ([]Event, Progress, error) {
	if p == nil {
		return nil, Progress{}, apperr.ErrAuthRequired
	}
	if p.UserID != uid {
		return nil, Progress{}, errNotYours
	}
	if err := s.authz.Check(p, objWatch, "record", authz.Self); err != nil {
		return nil, Progress{}, err
	}
	pi, err := s.playInfo(ctx, p, videoID)
	if err != nil {
		return nil, Progress{}, err
	}
	if err := validateEvents(in, pi.durationMS, batch); err != nil {
		return nil, Progress{}, err
	}
	w := &watchWrite{uid: uid, videoID: videoID, in: in, batch: batch, pi: pi, now: s.clock.Now()}
	if err := s.watches.do(ctx, uid, w); err != nil {
		return nil, Progress{}, err
	}
	out := make([]Event, len(w.rows))
	for i, r := range w.rows {
		out[i] = eventOut(r)
	}
	return out, progressOut(videoID, w.st), nil
}

// watchWrite is one Record call's write: its input, and once written the
// stored events and the progress after them.
type watchWrite struct {
	uid, videoID int64
	in           []EventInput
	batch        bool
	pi           playInfo
	now          time.Time

	rows []watchEventRow
	st   watchState
}

// writeWatches writes Record calls (in arrival order) through tx: one
// statement locks and reads their progress rows, one appends all their
// events, one updates the rows; completions and course activity, rare, go
// call by call. Each call's events are folded on the state its
// predecessors in the group left.
func (s *service) writeWatches(ctx context.Context, tx bun.Tx, ws []*watchWrite) error {
	keys := make([]playKey, 0, len(ws))
	seen := map[playKey]bool{}
	for _, w := range ws {
		k := playKey{w.uid, w.videoID}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	rows, err := s.lockProgress(ctx, tx, keys, ws)
	if err != nil {
		return err
	}
	var events []watchEventRow
	type followUp struct {
		w              *watchWrite
		complete, play bool
	}
	var follow []followUp
	states := make(map[playKey]*watchState, len(rows))
	for k, r := range rows {
		st := r.state()
		states[k] = &st
	}
	for _, w := range ws {
		st := states[playKey{w.uid, w.videoID}]
		st.DurationMS = w.pi.durationMS // the video's length is the server's
		wasDone := st.CompletedAt != nil
		times := placeEvents(w.in, w.now, st.LastEventAt, w.batch)
		played, ended := false, false
		for i, e := range w.in {
			r := watchEventRow{UserID: w.uid, VideoID: w.videoID, EventType: e.EventType, PositionMS: ms(e.CurrentTime),
				RateMilli: st.RateMilli, ClientTime: e.ClientTime, OccurredAt: times[i]}
			if e.PlaybackRate != nil {
				r.RateMilli = ms(*e.PlaybackRate)
			}
			if e.Duration != nil {
				d := ms(*e.Duration)
				r.DurationMS = &d
			}
			rate := int64(0)
			if e.PlaybackRate != nil {
				rate = r.RateMilli
			}
			r.CountedMS = st.apply(watchEvent{Type: e.EventType, PositionMS: r.PositionMS, RateMilli: rate, At: times[i]},
				s.settings.CompleteRatio)
			played = played || e.EventType == evPlay
			ended = ended || e.EventType == evEnded
			events = append(events, r)
		}
		w.st = *st
		w.st.Intervals = slices.Clone(st.Intervals) // later calls of the group go on folding st
		// On completion; and again when a completed video is played or
		// ends, for a topic that started using it since (the insert is
		// idempotent).
		complete := st.CompletedAt != nil && (!wasDone || played || ended)
		if complete || played {
			follow = append(follow, followUp{w, complete, played})
		}
	}
	if err := s.st.insertEvents(ctx, tx, events); err != nil {
		return err
	}
	for _, w := range ws {
		w.rows, events = events[:len(w.in):len(w.in)], events[len(w.in):]
	}
	changed := make([]videoProgressRow, 0, len(keys))
	for _, k := range keys {
		r := rows[k]
		r.setState(*states[k])
		for _, w := range ws {
			if w.uid == k.user && w.videoID == k.video && w.now.After(r.UpdatedAt) {
				r.UpdatedAt = w.now
			}
		}
		changed = append(changed, *r)
	}
	if err := s.st.saveProgress(ctx, tx, changed); err != nil {
		return err
	}
	// Completions first: they lock the course's progress in the same order
	// as an article read does (completeInTx), before any course activity
	// of the group is written.
	for _, f := range follow {
		if !f.complete {
			continue
		}
		for _, t := range f.w.pi.topics {
			if err := s.completeInTx(ctx, tx, f.w.uid, t.ID, t.CourseID, f.w.pi.courseTopics[t.CourseID], "video", f.w.now); err != nil {
				return err
			}
		}
	}
	for _, f := range follow {
		if !f.play {
			continue
		}
		// Where the learner is: the course of each topic that plays it.
		for _, t := range f.w.pi.topics {
			if err := s.st.touchCourse(ctx, tx, f.w.uid, t.CourseID, t.ID, f.w.now); err != nil {
				return err
			}
		}
	}
	return nil
}

// lockProgress returns the progress rows of keys, locked for the rest of tx,
// creating those missing (a user's first events in a video, with the
// duration its first call knows). Concurrent first events of a user in a
// video make the row once: the others wait for it (Postgres) and then
// lock it, instead of failing on its key.
func (s *service) lockProgress(ctx context.Context, tx bun.Tx, keys []playKey, ws []*watchWrite) (map[playKey]*videoProgressRow, error) {
	rows, err := s.st.progressForUpdate(ctx, tx, keys)
	if err != nil || len(rows) == len(keys) {
		return rows, err
	}
	var blank []videoProgressRow
	var missing []playKey
	for _, w := range ws {
		k := playKey{w.uid, w.videoID}
		if _, ok := rows[k]; ok || slices.Contains(missing, k) {
			continue
		}
		missing = append(missing, k)
		blank = append(blank, videoProgressRow{UserID: w.uid, VideoID: w.videoID, DurationMS: w.pi.durationMS,
			RateMilli: 1000, CreatedAt: w.now, UpdatedAt: w.now})
	}
	// In key order, as rows are locked: two instances making the same
	// first rows wait for each other instead of deadlocking.
	slices.SortFunc(blank, func(a, b videoProgressRow) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.VideoID, b.VideoID))
	})
	if err := s.st.createProgress(ctx, tx, blank); err != nil {
		return nil, err
	}
	made, err := s.st.progressForUpdate(ctx, tx, missing)
	if err != nil {
		return nil, err
	}
	for _, k := range missing {
		r, ok := made[k]
		if !ok {
			return nil, fmt.Errorf("learning: the progress row of user %d in video %d vanished", k.user, k.video)
		}
		rows[k] = r
	}
	return rows, nil
}

// validateEvents refuses a position outside the video and an empty or too
// large batch, naming the field.
func validateEvents(in []EventInput, durationMS int64, batch bool) error {
	if len(in) == 0 || len(in) > MaxBatch {
		return apperr.InvalidFields("learning.batch_size",
			apperr.FieldError{Location: "body.events", Message: "learning.batch_size", Value: len(in)})
	}
	var fields []apperr.FieldError
	for i, e := range in {
		loc := "body."
		if batch {
			loc = fmt.Sprintf("body.events[%d].", i)
		}
		if !validType(e.EventType) {
			fields = append(fields, apperr.FieldError{Location: loc + "event_type", Message: "learning.event_type", Value: e.EventType})
		}
		if e.CurrentTime < 0 || ms(e.CurrentTime) > durationMS+positionSlackMS {
			fields = append(fields, apperr.FieldError{Location: loc + "current_time", Message: "learning.position_outside",
				Value: e.CurrentTime})
		}
		if r := e.PlaybackRate; r != nil && (*r < 0.0625 || *r > 16) {
			fields = append(fields, apperr.FieldError{Location: loc + "playback_rate", Message: "learning.rate_invalid", Value: *r})
		}
	}
	if len(fields) > 0 {
		return apperr.InvalidFields("learning.event_invalid", fields...)
	}
	return nil
}

func validType(t string) bool {
	for _, v := range EventTypes {
		if t == v {
			return true
		}
	}
	return false
}

// placeEvents puts events on the server's clock. A single event happened
// now. A batch's client times only space its events: the last is placed
// now and the others before it by their client-time differences, never
// before the previous stored event nor more than maxBatchAge ago, and never
// out of order. So a batch cannot claim more watching than the wall-clock
// time since the player's last report allows.
func placeEvents(in []EventInput, now, last time.Time, batch bool) []time.Time {
	out := make([]time.Time, len(in))
	floor := now.Add(-maxBatchAge)
	if last.IsZero() {
		// Nothing reported before: a first batch reaches back one
		// heartbeat, not maxBatchAge.
		floor = now.Add(-firstBatchAge)
	}
	if last.After(floor) {
		floor = last
	}
	if floor.After(now) {
		floor = now
	}
	var anchor *time.Time
	if batch {
		anchor = in[len(in)-1].ClientTime
	}
	for i := range in {
		t := now
		if anchor != nil && in[i].ClientTime != nil {
			t = now.Add(-anchor.Sub(*in[i].ClientTime))
		}
		if t.Before(floor) {
			t = floor
		}
		if t.After(now) {
			t = now
		}
		if i > 0 && t.Before(out[i-1]) {
			t = out[i-1]
		}
		out[i] = t
	}
	return out
}

// VideoProgress returns a user's progress in a video: to the user and
// admins.
func (s *service) VideoProgress(ctx context.Context, p *authz.Principal, uid, videoID int64) (Progress, error) {
	if err := s.checkRead(p, uid); err != nil {
		return Progress{}, err
	}
	rows, err := s.st.progress(ctx, s.db.R, uid, []int64{videoID})
	if err != nil {
		return Progress{}, err
	}
	if len(rows) == 0 {
		dur := int64(0)
		if p.UserID == uid {
			// Nothing watched yet: the length still tells the player.
			if pi, err := s.playInfo(ctx, p, videoID); err == nil {
				dur = pi.durationMS
			} else {
				return Progress{}, err
			}
		}
		return progressOut(videoID, watchState{DurationMS: dur}), nil
	}
	return progressOut(videoID, rows[0].state()), nil
}

// checkRead lets the user and admins read a user's watch data; others get
// 403 (the path names the user, so nothing is hidden by a 404).
func (s *service) checkRead(p *authz.Principal, uid int64) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	if !s.authz.Allowed(p, objWatch, "read", watchRels(p, uid)...) {
		return errNotYours
	}
	return nil
}

// History is a page of a user's events in a video: to the user and admins.
func (s *service) History(ctx context.Context, p *authz.Principal, uid, videoID int64, limit, offset int) ([]Event, int, error) {
	if err := s.checkRead(p, uid); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.history(ctx, s.db.R, uid, videoID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = eventOut(r)
	}
	return out, n, nil
}

// HistoryEvent returns one event: admins only.
func (s *service) HistoryEvent(ctx context.Context, p *authz.Principal, uid, videoID, id int64) (Event, error) {
	if err := s.checkHistory(p, "read"); err != nil {
		return Event{}, err
	}
	r, err := s.st.event(ctx, s.db.R, uid, videoID, id)
	if err != nil {
		return Event{}, err
	}
	if r == nil {
		return Event{}, errEventNotFound
	}
	return eventOut(*r), nil
}

func (s *service) checkHistory(p *authz.Principal, act string) error {
	if p == nil {
		return apperr.ErrAuthRequired
	}
	return s.authz.Check(p, objHistory, act)
}

// EventPatch corrects an event (admins).
type EventPatch struct {
	EventType    *string    `json:"event_type,omitempty" enum:"play,pause,seek,timeupdate,ratechange,ended,leave"`
	CurrentTime  *float64   `json:"current_time,omitempty" minimum:"0" maximum:"360000"`
	PlaybackRate *float64   `json:"playback_rate,omitempty" minimum:"0.0625" maximum:"16"`
	OccurredAt   *time.Time `json:"occurred_at,omitempty" doc:"On the server's clock."`
}

// CorrectEvent changes (patch) or deletes (nil patch) an event, then
// replays the user's events in the video so the progress agrees with the
// log. Topics already completed stay completed.
func (s *service) CorrectEvent(ctx context.Context, p *authz.Principal, uid, videoID, id int64, patch *EventPatch) (*Event, error) {
	act := "delete"
	if patch != nil {
		act = "update"
	}
	if err := s.checkHistory(p, act); err != nil {
		return nil, err
	}
	var out *Event
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.st.progressRowForUpdate(ctx, tx, uid, videoID)
		if err != nil {
			return err
		}
		r, err := s.st.event(ctx, tx, uid, videoID, id)
		if err != nil {
			return err
		}
		if r == nil || row == nil {
			return errEventNotFound
		}
		if patch == nil {
			if err := s.st.deleteEvent(ctx, tx, id); err != nil {
				return err
			}
		} else {
			if patch.EventType != nil {
				r.EventType = *patch.EventType
			}
			if patch.CurrentTime != nil {
				r.PositionMS = ms(*patch.CurrentTime)
			}
			if patch.PlaybackRate != nil {
				r.RateMilli = ms(*patch.PlaybackRate)
			}
			if patch.OccurredAt != nil {
				r.OccurredAt = patch.OccurredAt.UTC()
			}
			in := []EventInput{{EventType: r.EventType, CurrentTime: secs(r.PositionMS)}}
			if err := validateEvents(in, row.DurationMS, false); err != nil {
				return err
			}
			if err := s.st.updateEvent(ctx, tx, r); err != nil {
				return err
			}
		}
		if err := s.replay(ctx, tx, row); err != nil {
			return err
		}
		if patch != nil {
			r, err = s.st.event(ctx, tx, uid, videoID, id)
			if err != nil {
				return err
			}
			e := eventOut(*r)
			out = &e
		}
		return nil
	})
	return out, err
}

// replay folds a user's events in a video again from the start, updating
// what each counted and the progress row.
func (s *service) replay(ctx context.Context, tx bun.IDB, row *videoProgressRow) error {
	evs, err := s.st.allEvents(ctx, tx, row.UserID, row.VideoID)
	if err != nil {
		return err
	}
	st := watchState{DurationMS: row.DurationMS, RateMilli: 1000}
	for _, e := range evs {
		c := st.apply(watchEvent{Type: e.EventType, PositionMS: e.PositionMS, RateMilli: e.RateMilli, At: e.OccurredAt},
			s.settings.CompleteRatio)
		if c != e.CountedMS {
			if err := s.st.setCounted(ctx, tx, e.ID, c); err != nil {
				return err
			}
		}
	}
	row.setState(st)
	row.UpdatedAt = s.clock.Now()
	return s.st.saveProgress(ctx, tx, []videoProgressRow{*row})
}

// ResumePosition implements media.ResumePositions.
func (s *service) ResumePosition(ctx context.Context, uid, videoID int64) (float64, error) {
	rows, err := s.st.progress(ctx, s.db.R, uid, []int64{videoID})
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	st := rows[0].state()
	return st.resumeSeconds(), nil
}
