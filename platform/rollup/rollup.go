// Package rollup is the shape in which modules report their numbers to the
// dashboards. A module that has something to count implements Source over
// its own tables (aggregate queries, never a loop over rows); the dashboard
// module's job calls every source now and then and keeps what they return
// in its own tables, so a dashboard request reads a few hundred stored
// points instead of scanning millions of rows.
package rollup

import (
	"context"
	"time"
)

// Window is a span of time [From, To) whose events are counted per day.
// Days are calendar days Offset seconds east of UTC (Asia/Seoul: 32400):
// a day "2026-12-07" runs from 2026-12-07T00:00 to 24:00 at that offset.
type Window struct {
	From, To time.Time
	Offset   int
}

// Point is one number: a metric on a day, for a course and an item.
type Point struct {
	// Metric is "<module>.<name>": "learning.enrollments".
	Metric string
	// Day is the calendar day ("2006-01-02") at the window's offset, or ""
	// for a snapshot (a count of the state now).
	Day string
	// Course is the course counted, or 0 for the whole platform.
	Course int64
	// Item is what inside the course (a topic, a mission, a curriculum), or 0.
	Item  int64
	Value int64
}

// DayLayout formats Point.Day.
const DayLayout = "2006-01-02"

// Day is t's calendar day at offset seconds east of UTC.
func Day(t time.Time, offset int) string {
	return t.In(time.FixedZone("", offset)).Format(DayLayout)
}

// Source is a module's numbers.
type Source interface {
	// Daily counts what happened in w, per day (Point.Day set): sign-ups,
	// payments, enrollments, watching time… Days without anything may be
	// left out.
	Daily(ctx context.Context, w Window) ([]Point, error)
	// Snapshot counts the state now (Point.Day ""): learners per course,
	// completions per topic, passers per mission…
	Snapshot(ctx context.Context) ([]Point, error)
}
