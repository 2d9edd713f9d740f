package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/rollup"
)

// The rollup job gathers every source's numbers into dashboard_points.
// Past days do not change much once over, so a run asks the sources only
// for yesterday and today (a refund today is counted today), besides a
// snapshot of the state now; its first run goes back backfillDays. A run
// is all or nothing: a source that fails leaves the previous run's points
// in place, and the next run (a minute later) tries again.
const (
	rollupEvery  = time.Minute
	rollupName   = "daily"
	backfillDays = 400
	// redoDays are the days before today each run counts again (late
	// writes: a heartbeat buffered over midnight, a slow job).
	redoDays = 1
	// monthDays is the span of monthly active users.
	monthDays = 30
	// mauDays are the last days whose monthly active users are counted.
	mauDays = 90
)

type rollupArgs struct{}

func (rollupArgs) Kind() string { return "dashboard.rollup" }

type rollupWorker struct {
	river.WorkerDefaults[rollupArgs]
	s *service
}

func (w *rollupWorker) Work(ctx context.Context, _ *river.Job[rollupArgs]) error {
	return w.s.Rollup(ctx)
}

func periodicRollup() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(rollupEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return rollupArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: rollupEvery}}
		}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Rollup gathers the sources' numbers now.
func (s *service) Rollup(ctx context.Context) error {
	now := s.clock.Now()
	off := s.offset(now)
	today := rollup.Day(now, off)
	state, err := s.st.rollupState(ctx, s.db.R, rollupName)
	if err != nil {
		return err
	}
	from := dayAdd(today, -redoDays)
	firstDay := from
	if state == nil { // the first run: everything recorded, within reason
		from = dayAdd(today, -backfillDays)
		firstDay = from
	} else {
		firstDay = state.FirstDay
		// Days no run counted since the last one (the job was down, a
		// source kept failing) are counted now.
		from = max(min(from, rollup.Day(state.RanAt, off)), dayAdd(today, -backfillDays))
	}
	start, err := dayStart(from, off)
	if err != nil {
		return err
	}
	w := rollup.Window{From: start, To: now.Add(time.Second), Offset: off}
	var pts []rollup.Point
	for _, src := range s.sources {
		daily, err := src.Daily(ctx, w)
		if err != nil {
			return fmt.Errorf("dashboard rollup: %s: %w", src.name, err)
		}
		snap, err := src.Snapshot(ctx)
		if err != nil {
			return fmt.Errorf("dashboard rollup: %s snapshot: %w", src.name, err)
		}
		pts = append(append(pts, keepDaily(daily, from)...), keepSnapshot(snap)...)
	}
	own, err := s.activity(ctx, from, today)
	if err != nil {
		return err
	}
	pts = append(pts, own...)
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Runs that overlap (a slow one and the next minute's, another
		// instance's, the CLI's) replace the points one after the other.
		if err := s.db.LockKey(ctx, tx, "dashboard.rollup"); err != nil {
			return err
		}
		return s.st.replacePoints(ctx, tx, from, merge(pts), rollupRow{Name: rollupName, FirstDay: firstDay, RanAt: now})
	})
}

// activity is the dashboard's own numbers for the days [from, today]:
// dashboard.active_users (DAU) per day, and dashboard.monthly_users (the
// distinct users of the monthDays ending that day) for the days of the
// last quarter (older ones are not shown).
func (s *service) activity(ctx context.Context, from, today string) ([]rollup.Point, error) {
	dau, err := s.st.activeOn(ctx, s.db.R, from, today)
	if err != nil {
		return nil, err
	}
	var pts []rollup.Point
	for day, n := range dau {
		pts = append(pts, rollup.Point{Metric: metricDAU, Day: day, Value: n})
	}
	first, err := s.st.firstActiveDay(ctx, s.db.R)
	if err != nil || first == "" {
		return pts, err
	}
	mauFrom := max(from, dayAdd(today, -mauDays), first)
	for day := mauFrom; day <= today; day = dayAdd(day, 1) {
		n, err := s.st.activeBetween(ctx, s.db.R, dayAdd(day, -(monthDays-1)), day)
		if err != nil {
			return nil, err
		}
		pts = append(pts, rollup.Point{Metric: metricMAU, Day: day, Value: n})
	}
	return pts, nil
}

// merge adds up points with the same key (a source should report each key
// once; adding keeps a true total if one does not).
func merge(pts []rollup.Point) []rollup.Point {
	type key struct {
		metric, day  string
		course, item int64
	}
	at := make(map[key]int, len(pts))
	out := pts[:0:0]
	for _, p := range pts {
		k := key{p.Metric, p.Day, p.Course, p.Item}
		if i, ok := at[k]; ok {
			out[i].Value += p.Value
			continue
		}
		at[k] = len(out)
		out = append(out, p)
	}
	return out
}

// keepDaily drops what a source counted outside the window's days (and
// snapshot points in the wrong list).
func keepDaily(pts []rollup.Point, from string) []rollup.Point {
	out := pts[:0:0]
	for _, p := range pts {
		if p.Day != "" && p.Day >= from {
			out = append(out, p)
		}
	}
	return out
}

func keepSnapshot(pts []rollup.Point) []rollup.Point {
	out := pts[:0:0]
	for _, p := range pts {
		if p.Day == "" {
			out = append(out, p)
		}
	}
	return out
}

// dayAdd is the day n days after day ("2006-01-02").
func dayAdd(day string, n int) string {
	t, err := time.Parse(rollup.DayLayout, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(rollup.DayLayout)
}

// dayStart is the instant a day begins at offset.
func dayStart(day string, offset int) (time.Time, error) {
	return time.ParseInLocation(rollup.DayLayout, day, time.FixedZone("", offset))
}
