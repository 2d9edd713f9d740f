package certificates

import (
	"context"
	"fmt"

	"github.com/weaverse/weaverse/platform/rollup"
)

// The metrics of Analytics.
const (
	metricIssued  = "certificates.issued"
	metricRevoked = "certificates.revoked"
	metricValid   = "certificates.valid"
)

// analytics is the module's Analytics: aggregate reads on the reader pool.
type analytics struct{ s *service }

var _ Analytics = analytics{}

// maxOffset bounds a window's offset: no zone is further than 14 hours from
// UTC; a larger one is a caller's mistake.
const maxOffset = 14 * 3600

// point is a count as a Point: a course's certificates with the course
// (item 0), a curriculum's with course 0 and the curriculum as the item.
func (c certCount) point(metric string) rollup.Point {
	return rollup.Point{Metric: metric, Day: c.Day, Course: c.CourseID, Item: c.CurriculumID, Value: c.N}
}

// Daily counts, per day at w's offset, the certificates issued in w
// (certificates.issued, revoked since or not) and those revoked in w
// (certificates.revoked, by an administrator or a refund, a nano-degree
// revoked with its course included), per course or curriculum. Two
// aggregate queries.
func (a analytics) Daily(ctx context.Context, w rollup.Window) ([]rollup.Point, error) {
	if w.Offset < -maxOffset || w.Offset > maxOffset {
		return nil, fmt.Errorf("certificates: window offset %d s is out of range", w.Offset)
	}
	if !w.From.Before(w.To) {
		return nil, nil
	}
	var points []rollup.Point
	for _, by := range []struct{ at, metric string }{{byIssuedAt, metricIssued}, {byRevokedAt, metricRevoked}} {
		rows, err := a.s.st.certsPerDay(ctx, a.s.db.R, by.at, w.From.UTC(), w.To.UTC(), w.Offset)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			points = append(points, r.point(by.metric))
		}
	}
	return points, nil
}

// Snapshot is certificates.valid: the certificates valid now per course or
// curriculum; those with none are left out.
func (a analytics) Snapshot(ctx context.Context) ([]rollup.Point, error) {
	rows, err := a.s.st.validCounts(ctx, a.s.db.R)
	if err != nil {
		return nil, err
	}
	points := make([]rollup.Point, 0, len(rows))
	for _, r := range rows {
		points = append(points, r.point(metricValid))
	}
	return points, nil
}

// Held is the learner's certificates, valid and revoked, newest issued
// first (one query, certificates_user_idx), with the links the module's
// own views give them.
func (a analytics) Held(ctx context.Context, userID int64) ([]HeldCertificate, error) {
	out := []HeldCertificate{}
	if userID <= 0 {
		return out, nil
	}
	rows, err := a.s.st.userCerts(ctx, a.s.db.R, userID)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		v := a.s.view(&rows[i], false)
		h := HeldCertificate{ID: v.ID, Serial: v.Serial, Kind: v.Kind, Title: v.Title, Status: v.Status,
			IssuedAt: v.IssuedAt.UTC(), VerifyURL: v.VerifyURL, PDFURL: v.PDFURL}
		if v.CourseID != nil {
			h.CourseID = *v.CourseID
		}
		if v.RevokedAt != nil {
			t := v.RevokedAt.UTC()
			h.RevokedAt = &t
		}
		out = append(out, h)
	}
	return out, nil
}
