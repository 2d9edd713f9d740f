package dashboard

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/rollup"
)

// store holds every query of the module.
type store struct{ d *db.DB }

type presenceRow struct {
	bun.BaseModel `bun:"table:dashboard_presence,alias:p"`

	UserID int64     `bun:"user_id,pk"`
	SeenAt time.Time `bun:"seen_at,notnull"`
}

type activeDayRow struct {
	bun.BaseModel `bun:"table:dashboard_active_days,alias:a"`

	Day    string `bun:"day,pk"`
	UserID int64  `bun:"user_id,pk"`
}

type pointRow struct {
	bun.BaseModel `bun:"table:dashboard_points,alias:pt"`

	Metric   string `bun:"metric,pk"`
	Day      string `bun:"day,pk"`
	CourseID int64  `bun:"course_id,pk"`
	ItemID   int64  `bun:"item_id,pk"`
	Value    int64  `bun:"value,notnull"`
}

type rollupRow struct {
	bun.BaseModel `bun:"table:dashboard_rollups,alias:r"`

	Name     string    `bun:"name,pk"`
	FirstDay string    `bun:"first_day,notnull"`
	RanAt    time.Time `bun:"ran_at,notnull"`
}

// insertChunk bounds the rows of one INSERT (SQLite allows 32,766 bound
// values; bun inlines them, but statements stay reasonable).
const insertChunk = 500

// seen records that users were seen: the later time wins, and each (day,
// user) is an active day once.
func (st store) seen(ctx context.Context, idb bun.IDB, rows []presenceRow, days []activeDayRow) error {
	for start := 0; start < len(rows); start += insertChunk {
		part := rows[start:min(start+insertChunk, len(rows))]
		if _, err := idb.NewInsert().Model(&part).
			On("CONFLICT (user_id) DO UPDATE").Set("seen_at = EXCLUDED.seen_at").
			Where("p.seen_at < EXCLUDED.seen_at").Exec(ctx); err != nil {
			return err
		}
	}
	for start := 0; start < len(days); start += insertChunk {
		part := days[start:min(start+insertChunk, len(days))]
		if _, err := idb.NewInsert().Model(&part).On("CONFLICT (day, user_id) DO NOTHING").Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// activeSince counts the users seen at or after t.
func (st store) activeSince(ctx context.Context, idb bun.IDB, t time.Time) (int64, error) {
	n, err := idb.NewSelect().Model((*presenceRow)(nil)).Where("p.seen_at >= ?", t).Count(ctx)
	return int64(n), err
}

// activeOn counts the users active on each of days, in one read.
func (st store) activeOn(ctx context.Context, idb bun.IDB, from, to string) (map[string]int64, error) {
	var rows []struct {
		Day string `bun:"day"`
		N   int64  `bun:"n"`
	}
	err := idb.NewSelect().Model((*activeDayRow)(nil)).Column("a.day").ColumnExpr("COUNT(*) AS n").
		Where("a.day >= ? AND a.day <= ?", from, to).Group("a.day").Scan(ctx, &rows)
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Day] = r.N
	}
	return out, err
}

// activeBetween counts the distinct users active on any day of [from, to].
func (st store) activeBetween(ctx context.Context, idb bun.IDB, from, to string) (int64, error) {
	var n int64
	err := idb.NewSelect().Model((*activeDayRow)(nil)).ColumnExpr("COUNT(DISTINCT a.user_id)").
		Where("a.day >= ? AND a.day <= ?", from, to).Scan(ctx, &n)
	return n, err
}

// firstActiveDay is the earliest active day recorded ("" when none).
func (st store) firstActiveDay(ctx context.Context, idb bun.IDB) (string, error) {
	var day sql.NullString
	err := idb.NewSelect().Model((*activeDayRow)(nil)).ColumnExpr("MIN(a.day)").Scan(ctx, &day)
	return day.String, err
}

// rollupState is the rollup's progress (nil before its first run).
func (st store) rollupState(ctx context.Context, idb bun.IDB, name string) (*rollupRow, error) {
	var r rollupRow
	err := idb.NewSelect().Model(&r).Where("r.name = ?", name).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// replacePoints replaces the daily points of days >= fromDay and every
// snapshot point with pts, and records the run.
func (st store) replacePoints(ctx context.Context, tx bun.IDB, fromDay string, pts []rollup.Point, state rollupRow) error {
	if _, err := tx.NewDelete().Model((*pointRow)(nil)).
		Where("day >= ? OR day = ''", fromDay).Exec(ctx); err != nil {
		return err
	}
	rows := make([]pointRow, 0, len(pts))
	for _, p := range pts {
		rows = append(rows, pointRow{Metric: p.Metric, Day: p.Day, CourseID: p.Course, ItemID: p.Item, Value: p.Value})
	}
	for start := 0; start < len(rows); start += insertChunk {
		part := rows[start:min(start+insertChunk, len(rows))]
		// The keys are unique (merge) and deleted above, under the
		// rollup's lock: a conflict is a row a run wrote meanwhile.
		if _, err := tx.NewInsert().Model(&part).
			On("CONFLICT (day, metric, course_id, item_id) DO UPDATE").
			Set("value = EXCLUDED.value").Exec(ctx); err != nil {
			return err
		}
	}
	_, err := tx.NewInsert().Model(&state).On("CONFLICT (name) DO UPDATE").
		Set("first_day = EXCLUDED.first_day").Set("ran_at = EXCLUDED.ran_at").Exec(ctx)
	return err
}

// points reads the daily points of [from, to] and every snapshot point;
// with courses, only theirs (no platform-wide point).
func (st store) points(ctx context.Context, idb bun.IDB, from, to string, courses []int64) ([]pointRow, error) {
	var rows []pointRow
	if courses != nil && len(courses) == 0 {
		return rows, nil // no course: nothing, and never the platform's
	}
	q := idb.NewSelect().Model(&rows).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("pt.day >= ? AND pt.day <= ?", from, to).WhereOr("pt.day = ''")
		})
	if courses != nil {
		q = q.Where("pt.course_id IN (?)", bun.In(courses))
	}
	return rows, q.Scan(ctx)
}

// nonEmpty keeps IN () valid SQL for an empty list (no course has id 0).
func nonEmpty(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{0}
	}
	return ids
}

// videoPoints reads the per-video watching points (learning's, course 0)
// of [from, to] for videos.
func (st store) videoPoints(ctx context.Context, idb bun.IDB, from, to string, videos []int64) ([]pointRow, error) {
	var rows []pointRow
	err := idb.NewSelect().Model(&rows).
		Where("pt.day >= ? AND pt.day <= ?", from, to).
		Where("pt.metric = ?", "learning.video_watch_seconds").
		Where("pt.course_id = 0").Where("pt.item_id IN (?)", bun.In(videos)).Scan(ctx)
	return rows, err
}
