package certificates

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The times of a certificate the dashboards count by (internal names,
// never input), both indexed (certificates_issued_idx,
// certificates_revoked_idx).
const (
	byIssuedAt  = "issued_at"
	byRevokedAt = "revoked_at"
)

// certCount is a number of certificates of a course (course_id, the
// curriculum 0) or of a curriculum (curriculum_id, the course 0), on a
// calendar day or ("") now.
type certCount struct {
	Day          string `bun:"day"`
	CourseID     int64  `bun:"course_id"`
	CurriculumID int64  `bun:"curriculum_id"`
	N            int64  `bun:"n"`
}

// certsPerDay counts the certificates whose time at (byIssuedAt,
// byRevokedAt) is in [from, to), per calendar day at offset seconds east of
// UTC and per course or curriculum: one aggregate on the raw, indexed time.
func (st store) certsPerDay(ctx context.Context, idb bun.IDB, at string, from, to time.Time, offset int) ([]certCount, error) {
	if at != byIssuedAt && at != byRevokedAt {
		return nil, fmt.Errorf("certificates: no certificate time %q", at)
	}
	day, err := st.d.DayOf("c."+at, offset)
	if err != nil {
		return nil, err
	}
	col := bun.Ident("c." + at)
	var rows []certCount
	err = idb.NewSelect().Model((*certRow)(nil)).ColumnExpr("? AS day", day).
		ColumnExpr("COALESCE(c.course_id, 0) AS course_id, COALESCE(c.curriculum_id, 0) AS curriculum_id").
		ColumnExpr("count(*) AS n").
		Where("? >= ?", col, from).Where("? < ?", col, to).
		GroupExpr("?", day).GroupExpr("c.course_id, c.curriculum_id").
		OrderExpr("day, course_id, curriculum_id").Scan(ctx, &rows)
	return rows, err
}

// validCounts counts the valid certificates per course or curriculum
// (certificates_status_idx).
func (st store) validCounts(ctx context.Context, idb bun.IDB) ([]certCount, error) {
	var rows []certCount
	err := idb.NewSelect().Model((*certRow)(nil)).
		ColumnExpr("COALESCE(c.course_id, 0) AS course_id, COALESCE(c.curriculum_id, 0) AS curriculum_id").
		ColumnExpr("count(*) AS n").
		Where("c.status = ?", statusValid).
		GroupExpr("c.course_id, c.curriculum_id").OrderExpr("course_id, curriculum_id").Scan(ctx, &rows)
	return rows, err
}
