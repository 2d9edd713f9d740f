package accounts

import (
	"context"
	"fmt"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/rollup"
)

// The metrics of Analytics.
const (
	metricSignups  = "accounts.signups"
	metricStudents = "accounts.students"
	metricTutors   = "accounts.tutors"
	metricAdmins   = "accounts.admins"
)

// roleMetrics names the snapshot metric of each role.
var roleMetrics = []struct {
	role   authz.Role
	metric string
}{
	{authz.Student, metricStudents},
	{authz.Tutor, metricTutors},
	{authz.Admin, metricAdmins},
}

// analytics is the module's Analytics: aggregate reads on the reader pool.
type analytics struct{ svc *service }

var _ Analytics = analytics{}

// maxOffset bounds a window's offset: no zone is further than 14 hours from
// UTC; a larger one is a caller's mistake (seconds taken for minutes).
const maxOffset = 14 * 3600

// checkWindow refuses a window whose offset no zone has.
func checkWindow(w rollup.Window) error {
	if w.Offset < -maxOffset || w.Offset > maxOffset {
		return fmt.Errorf("accounts: window offset %d s is out of range", w.Offset)
	}
	return nil
}

// Daily is accounts.signups: the accounts created in w per day (course 0),
// every role, deleted accounts included (they did sign up).
func (a analytics) Daily(ctx context.Context, w rollup.Window) ([]rollup.Point, error) {
	if err := checkWindow(w); err != nil {
		return nil, err
	}
	if !w.From.Before(w.To) {
		return nil, nil
	}
	rows, err := a.svc.st.signupsPerDay(ctx, a.svc.db.R, w.From.UTC(), w.To.UTC(), w.Offset)
	if err != nil {
		return nil, err
	}
	points := make([]rollup.Point, 0, len(rows))
	for _, r := range rows {
		points = append(points, rollup.Point{Metric: metricSignups, Day: r.Day, Value: r.N})
	}
	return points, nil
}

// Snapshot is the accounts not deleted per role (suspended ones included):
// accounts.students, accounts.tutors, accounts.admins, each present, 0 when
// there is none.
func (a analytics) Snapshot(ctx context.Context) ([]rollup.Point, error) {
	rows, err := a.svc.st.liveRoleCounts(ctx, a.svc.db.R)
	if err != nil {
		return nil, err
	}
	byRole := make(map[string]int64, len(rows))
	for _, r := range rows {
		byRole[r.Role] = r.N
	}
	points := make([]rollup.Point, 0, len(roleMetrics))
	for _, rm := range roleMetrics {
		points = append(points, rollup.Point{Metric: rm.metric, Value: byRole[string(rm.role)]})
	}
	return points, nil
}
