package learning

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

type watchEventRow struct {
	bun.BaseModel `bun:"table:learning_watch_events,alias:we"`

	ID         int64      `bun:"id,pk,autoincrement"`
	UserID     int64      `bun:"user_id,notnull"`
	VideoID    int64      `bun:"video_id,notnull"`
	EventType  string     `bun:"event_type,notnull"`
	PositionMS int64      `bun:"position_ms,notnull"`
	DurationMS *int64     `bun:"duration_ms"`
	RateMilli  int64      `bun:"rate_milli,notnull"`
	ClientTime *time.Time `bun:"client_time"`
	OccurredAt time.Time  `bun:"occurred_at,notnull"`
	CountedMS  int64      `bun:"counted_ms,notnull"`
}

type videoProgressRow struct {
	bun.BaseModel `bun:"table:learning_video_progress,alias:vp"`

	UserID        int64               `bun:"user_id,pk"`
	VideoID       int64               `bun:"video_id,pk"`
	DurationMS    int64               `bun:"duration_ms,notnull"`
	PositionMS    int64               `bun:"position_ms,notnull"`
	WatchedMS     int64               `bun:"watched_ms,notnull"`
	LearningMS    int64               `bun:"learning_ms,notnull"`
	Intervals     db.JSON[[]interval] `bun:"intervals,notnull"`
	Playing       bool                `bun:"playing,notnull"`
	RateMilli     int64               `bun:"rate_milli,notnull"`
	LastEventAt   *time.Time          `bun:"last_event_at"`
	LastWatchedAt *time.Time          `bun:"last_watched_at"`
	CompletedAt   *time.Time          `bun:"completed_at"`
	Events        int64               `bun:"events,notnull"`
	CreatedAt     time.Time           `bun:"created_at,notnull"`
	UpdatedAt     time.Time           `bun:"updated_at,notnull"`
}

// state is the row as the fold sees it.
func (r *videoProgressRow) state() watchState {
	s := watchState{DurationMS: r.DurationMS, PositionMS: r.PositionMS, Intervals: r.Intervals.V,
		WatchedMS: r.WatchedMS, LearningMS: r.LearningMS, Playing: r.Playing, RateMilli: r.RateMilli,
		CompletedAt: r.CompletedAt, Events: r.Events}
	if r.LastEventAt != nil {
		s.LastEventAt = *r.LastEventAt
	}
	if r.LastWatchedAt != nil {
		s.LastWatched = *r.LastWatchedAt
	}
	return s
}

// setState writes the fold's state into the row.
func (r *videoProgressRow) setState(s watchState) {
	r.DurationMS, r.PositionMS, r.Intervals.V = s.DurationMS, s.PositionMS, s.Intervals
	r.WatchedMS, r.LearningMS, r.Playing, r.RateMilli = s.WatchedMS, s.LearningMS, s.Playing, s.RateMilli
	r.CompletedAt, r.Events = s.CompletedAt, s.Events
	r.LastEventAt, r.LastWatchedAt = nil, nil
	if !s.LastEventAt.IsZero() {
		t := s.LastEventAt
		r.LastEventAt = &t
	}
	if !s.LastWatched.IsZero() {
		t := s.LastWatched
		r.LastWatchedAt = &t
	}
}

// progressForUpdate returns the progress rows of keys (user, video) that
// exist, locked for the rest of tx on Postgres (SQLite's writer is alone
// anyway), in one statement. In key order: two transactions locking the
// same rows lock them in the same order.
func (st store) progressForUpdate(ctx context.Context, tx bun.IDB, keys []playKey) (map[playKey]*videoProgressRow, error) {
	out := make(map[playKey]*videoProgressRow, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	var rows []videoProgressRow
	if st.d.IsPostgres() {
		users, videos := make([]int64, len(keys)), make([]int64, len(keys))
		for i, k := range keys {
			users[i], videos[i] = k.user, k.video
		}
		if err := st.d.Select(ctx, tx, st.qLockProgress, &rows, users, videos); err != nil {
			return nil, err
		}
	} else {
		pairs := make([][]int64, len(keys))
		for i, k := range keys {
			pairs[i] = []int64{k.user, k.video}
		}
		if err := tx.NewSelect().Model(&rows).Where("(vp.user_id, vp.video_id) IN (?)", bun.In(pairs)).
			OrderExpr("vp.user_id, vp.video_id").Scan(ctx); err != nil {
			return nil, err
		}
	}
	for i := range rows {
		out[playKey{rows[i].UserID, rows[i].VideoID}] = &rows[i]
	}
	return out, nil
}

// progressRowForUpdate is progressForUpdate of one row (nil when absent).
func (st store) progressRowForUpdate(ctx context.Context, tx bun.IDB, userID, videoID int64) (*videoProgressRow, error) {
	rows, err := st.progressForUpdate(ctx, tx, []playKey{{userID, videoID}})
	return rows[playKey{userID, videoID}], err
}

// createProgress inserts progress rows, but not those that exist (made
// meanwhile by a concurrent first event).
func (st store) createProgress(ctx context.Context, tx bun.IDB, rows []videoProgressRow) error {
	if len(rows) == 0 {
		return nil
	}
	noNullIntervals(rows)
	_, err := tx.NewInsert().Model(&rows).On("CONFLICT (user_id, video_id) DO NOTHING").Exec(ctx)
	return err
}

// noNullIntervals stores rows without intervals as [], not null.
func noNullIntervals(rows []videoProgressRow) {
	for i := range rows {
		if rows[i].Intervals.V == nil {
			rows[i].Intervals.V = []interval{}
		}
	}
}

// saveProgress updates progress rows, in one statement.
func (st store) saveProgress(ctx context.Context, tx bun.IDB, rows []videoProgressRow) error {
	if len(rows) == 0 {
		return nil
	}
	noNullIntervals(rows)
	switch {
	case st.d.IsPostgres():
		return st.saveProgressPG(ctx, tx, rows)
	case len(rows) == 1:
		_, err := tx.NewUpdate().Model(&rows[0]).WherePK().ExcludeColumn("user_id", "video_id", "created_at").Exec(ctx)
		return err
	}
	_, err := tx.NewUpdate().Model(&rows).ExcludeColumn("user_id", "video_id", "created_at").Bulk().Exec(ctx)
	return err
}

// insertEvents appends events to the log, setting their ids. bun gives the
// returned ids to the rows in order: both databases return the rows of an
// INSERT … VALUES in the order of its VALUES (neither promises it in its
// documentation; TestConcurrentHeartbeats checks that each caller is given
// its own events' ids).
func (st store) insertEvents(ctx context.Context, tx bun.IDB, rows []watchEventRow) error {
	if len(rows) == 0 {
		return nil
	}
	if st.d.IsPostgres() {
		return st.insertEventsPG(ctx, tx, rows)
	}
	_, err := tx.NewInsert().Model(&rows).Returning("id").Exec(ctx)
	return err
}

// On Postgres the heartbeat path's three statements are prepared ones (see
// db.Stmt): constant texts taking a group's values as arrays, so a group of
// any size runs the same three plans, cached per connection, where bun's
// queries are parsed and planned anew for each group (measured: the bulk
// update alone took 0.6 ms a group to plan and run).
func watchStmts(d *db.DB) (lock, insert, save db.Stmt) {
	lock = d.SelectStmt((*videoProgressRow)(nil), `("vp"."user_id", "vp"."video_id") IN
		(SELECT * FROM unnest(?::bigint[], ?::bigint[])) ORDER BY "vp"."user_id", "vp"."video_id" FOR UPDATE`)
	insert = db.NewStmt(`INSERT INTO learning_watch_events (user_id, video_id, event_type, position_ms, duration_ms,
		rate_milli, client_time, occurred_at, counted_ms)
		SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::integer[],
			?::timestamptz[], ?::timestamptz[], ?::bigint[])
		RETURNING id`)
	save = db.NewStmt(`UPDATE learning_video_progress AS vp SET duration_ms = d.duration_ms, position_ms = d.position_ms,
		watched_ms = d.watched_ms, learning_ms = d.learning_ms, intervals = d.intervals, playing = d.playing,
		rate_milli = d.rate_milli, last_event_at = d.last_event_at, last_watched_at = d.last_watched_at,
		completed_at = d.completed_at, events = d.events, updated_at = d.updated_at
		FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::jsonb[],
			?::boolean[], ?::integer[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::bigint[], ?::timestamptz[])
		AS d(user_id, video_id, duration_ms, position_ms, watched_ms, learning_ms, intervals, playing, rate_milli,
			last_event_at, last_watched_at, completed_at, events, updated_at)
		WHERE vp.user_id = d.user_id AND vp.video_id = d.video_id`)
	return lock, insert, save
}

// insertEventsPG is insertEvents on Postgres: the rows' columns as arrays.
func (st store) insertEventsPG(ctx context.Context, tx bun.IDB, rows []watchEventRow) error {
	n := len(rows)
	users, videos, positions, counted := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	types, rates := make([]string, n), make([]int64, n)
	durations, clients, at := make([]*int64, n), make([]*time.Time, n), make([]time.Time, n)
	for i, r := range rows {
		users[i], videos[i], types[i], positions[i] = r.UserID, r.VideoID, r.EventType, r.PositionMS
		durations[i], rates[i], clients[i], at[i], counted[i] = r.DurationMS, r.RateMilli, r.ClientTime, r.OccurredAt, r.CountedMS
	}
	var ids []int64
	if err := st.d.Select(ctx, tx, st.qInsertEvents, &ids, users, videos, types, positions, durations, rates,
		clients, at, counted); err != nil {
		return err
	}
	if len(ids) != n {
		return fmt.Errorf("learning: %d events inserted, %d ids returned", n, len(ids))
	}
	for i := range rows {
		rows[i].ID = ids[i]
	}
	return nil
}

// saveProgressPG is saveProgress of several rows on Postgres.
func (st store) saveProgressPG(ctx context.Context, tx bun.IDB, rows []videoProgressRow) error {
	n := len(rows)
	users, videos, durations, positions := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	watched, learning, rates, events := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	intervals, playing := make([]string, n), make([]bool, n)
	lastEvent, lastWatched, completed, updated := make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n), make([]time.Time, n)
	for i, r := range rows {
		raw, err := json.Marshal(r.Intervals.V)
		if err != nil {
			return err
		}
		users[i], videos[i], durations[i], positions[i] = r.UserID, r.VideoID, r.DurationMS, r.PositionMS
		watched[i], learning[i], rates[i], events[i] = r.WatchedMS, r.LearningMS, r.RateMilli, r.Events
		intervals[i], playing[i] = string(raw), r.Playing
		lastEvent[i], lastWatched[i], completed[i], updated[i] = r.LastEventAt, r.LastWatchedAt, r.CompletedAt, r.UpdatedAt
	}
	res, err := st.d.Exec(ctx, tx, st.qSaveProgress, users, videos, durations, positions, watched, learning,
		intervals, playing, rates, lastEvent, lastWatched, completed, events, updated)
	if err != nil {
		return err
	}
	if got, err := res.RowsAffected(); err == nil && got != int64(n) {
		return fmt.Errorf("learning: %d progress rows updated, %d expected", got, n)
	}
	return nil
}

// progress returns a user's progress in videos (all when videoIDs is nil).
func (st store) progress(ctx context.Context, idb bun.IDB, userID int64, videoIDs []int64) ([]videoProgressRow, error) {
	var out []videoProgressRow
	q := idb.NewSelect().Model(&out).Where("vp.user_id = ?", userID)
	if videoIDs != nil {
		if len(videoIDs) == 0 {
			return out, nil
		}
		q = q.Where("vp.video_id IN (?)", bun.In(videoIDs))
	}
	err := q.Scan(ctx)
	return out, err
}

// learningTotal returns a user's counted watching time in ms.
func (st store) learningTotal(ctx context.Context, idb bun.IDB, userID int64) (int64, error) {
	var n int64
	err := idb.NewSelect().Model((*videoProgressRow)(nil)).ColumnExpr("COALESCE(SUM(vp.learning_ms), 0)").
		Where("vp.user_id = ?", userID).Scan(ctx, &n)
	return n, err
}

// history is a page of a user's events in a video, oldest first, and the
// total.
func (st store) history(ctx context.Context, idb bun.IDB, userID, videoID int64, limit, offset int) ([]watchEventRow, int, error) {
	var out []watchEventRow
	n, err := idb.NewSelect().Model(&out).Where("we.user_id = ? AND we.video_id = ?", userID, videoID).
		OrderExpr("we.id").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return out, int(n), err
}

// allEvents returns every event of a user in a video, oldest first (the
// fold's replay after an admin's correction).
func (st store) allEvents(ctx context.Context, idb bun.IDB, userID, videoID int64) ([]watchEventRow, error) {
	var out []watchEventRow
	err := idb.NewSelect().Model(&out).Where("we.user_id = ? AND we.video_id = ?", userID, videoID).
		OrderExpr("we.occurred_at, we.id").Scan(ctx)
	return out, err
}

// event returns one event of a user in a video (nil when absent).
func (st store) event(ctx context.Context, idb bun.IDB, userID, videoID, id int64) (*watchEventRow, error) {
	var r watchEventRow
	err := idb.NewSelect().Model(&r).Where("we.user_id = ? AND we.video_id = ? AND we.id = ?", userID, videoID, id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// updateEvent writes an event's correctable fields.
func (st store) updateEvent(ctx context.Context, tx bun.IDB, r *watchEventRow) error {
	_, err := tx.NewUpdate().Model(r).Column("event_type", "position_ms", "rate_milli", "occurred_at", "counted_ms").
		WherePK().Exec(ctx)
	return err
}

// setCounted records what each replayed event counted.
func (st store) setCounted(ctx context.Context, tx bun.IDB, id, counted int64) error {
	_, err := tx.NewUpdate().Model((*watchEventRow)(nil)).Set("counted_ms = ?", counted).Where("id = ?", id).Exec(ctx)
	return err
}

// deleteEvent removes an event.
func (st store) deleteEvent(ctx context.Context, tx bun.IDB, id int64) error {
	_, err := tx.NewDelete().Model((*watchEventRow)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// userEvents is a page of a user's events across videos, in stored (id)
// order, newest first unless asc; after the event cursor (0: from the
// start) and, when since is set, placed after it.
func (st store) userEvents(ctx context.Context, idb bun.IDB, userID int64, since *time.Time, cursor int64, asc bool, limit int) ([]watchEventRow, error) {
	var out []watchEventRow
	q := idb.NewSelect().Model(&out).Where("we.user_id = ?", userID)
	if since != nil {
		q = q.Where("we.occurred_at > ?", *since)
	}
	switch {
	case cursor > 0 && asc:
		q = q.Where("we.id > ?", cursor)
	case cursor > 0:
		q = q.Where("we.id < ?", cursor)
	}
	if asc {
		q = q.OrderExpr("we.id")
	} else {
		q = q.OrderExpr("we.id DESC")
	}
	err := q.Limit(int64(limit)).Scan(ctx)
	return out, err
}
