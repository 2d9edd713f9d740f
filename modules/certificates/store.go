package certificates

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// store holds every query of the module.
type store struct{ d *db.DB }

type certRow struct {
	bun.BaseModel `bun:"table:certificates,alias:c"`

	ID           int64            `bun:"id,pk,autoincrement"`
	Serial       string           `bun:"serial,notnull"`
	UserID       int64            `bun:"user_id,notnull"`
	Kind         string           `bun:"kind,notnull"`
	CourseID     *int64           `bun:"course_id"`
	CurriculumID *int64           `bun:"curriculum_id"`
	HolderName   string           `bun:"holder_name,notnull"`
	Title        string           `bun:"title,notnull"`
	Credits      int              `bun:"credits,notnull"`
	Details      db.JSON[details] `bun:"details,notnull"`
	Salt         string           `bun:"salt,notnull"`
	Source       string           `bun:"source,notnull"`
	IssuedAt     time.Time        `bun:"issued_at,notnull"`
	Status       string           `bun:"status,notnull"`
	RevokedAt    *time.Time       `bun:"revoked_at"`
	RevokeReason string           `bun:"revoke_reason,notnull"`
	RevokeNote   string           `bun:"revoke_note,notnull"`
	RevokedBy    *int64           `bun:"revoked_by"`
}

func notFound(err, nf error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nf
	}
	return err
}

// cert reads a certificate; owner > 0 scopes it to its holder.
func (st store) cert(ctx context.Context, idb bun.IDB, owner, id int64) (*certRow, error) {
	var r certRow
	q := idb.NewSelect().Model(&r).Where("c.id = ?", id)
	if owner > 0 {
		q = q.Where("c.user_id = ?", owner)
	}
	return &r, notFound(q.Scan(ctx), errNotFound)
}

func (st store) bySerial(ctx context.Context, idb bun.IDB, serial string) (*certRow, error) {
	var r certRow
	err := idb.NewSelect().Model(&r).Where("c.serial = ?", serial).Scan(ctx)
	return &r, notFound(err, errBadSerial)
}

// userCerts lists a user's certificates, newest first.
func (st store) userCerts(ctx context.Context, idb bun.IDB, userID int64) ([]certRow, error) {
	var rows []certRow
	err := idb.NewSelect().Model(&rows).Where("c.user_id = ?", userID).OrderExpr("c.issued_at DESC, c.id DESC").Scan(ctx)
	return rows, err
}

// validCourseCerts returns the user's valid course certificates among
// courseIDs (nil: all), by course.
func (st store) validCourseCerts(ctx context.Context, idb bun.IDB, userID int64, courseIDs []int64) (map[int64]certRow, error) {
	var rows []certRow
	q := idb.NewSelect().Model(&rows).Where("c.user_id = ? AND c.kind = 'course' AND c.status = 'valid'", userID)
	if courseIDs != nil {
		if len(courseIDs) == 0 {
			return map[int64]certRow{}, nil
		}
		q = q.Where("c.course_id IN (?)", bun.In(courseIDs))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]certRow, len(rows))
	for _, r := range rows {
		out[*r.CourseID] = r
	}
	return out, nil
}

// validCurriculumCert returns the user's valid certificate of a curriculum.
func (st store) validCurriculumCert(ctx context.Context, idb bun.IDB, userID, curriculumID int64) (*certRow, error) {
	var r certRow
	err := idb.NewSelect().Model(&r).
		Where("c.user_id = ? AND c.kind = 'curriculum' AND c.curriculum_id = ? AND c.status = 'valid'", userID, curriculumID).
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// revokedByIssuer says whether the issuer (an admin) revoked a
// certificate of the user's for the course (kind course) or curriculum:
// that is not earned again by completing it anew.
func (st store) revokedByIssuer(ctx context.Context, idb bun.IDB, userID int64, kind string, id int64) (bool, error) {
	col := "course_id"
	if kind == KindCurriculum {
		col = "curriculum_id"
	}
	return idb.NewSelect().Model((*certRow)(nil)).
		Where("user_id = ? AND kind = ? AND ? = ? AND status = 'revoked' AND revoke_reason = ?",
			userID, kind, bun.Ident(col), id, reasonAdmin).Exists(ctx)
}

func (st store) insert(ctx context.Context, idb bun.IDB, r *certRow) error {
	_, err := idb.NewInsert().Model(r).Returning("id").Exec(ctx)
	return err
}

// revoke marks a valid certificate revoked; false when it was not valid.
func (st store) revoke(ctx context.Context, idb bun.IDB, id int64, at time.Time, reason, note string, by *int64) (bool, error) {
	res, err := idb.NewUpdate().Model((*certRow)(nil)).
		Set("status = 'revoked'").Set("revoked_at = ?", at).Set("revoke_reason = ?", reason).
		Set("revoke_note = ?", note).Set("revoked_by = ?", by).
		Where("id = ? AND status = 'valid'", id).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// validOfCourses returns the user's valid certificates that certify any of
// courseIDs: the courses' own and the curricula's that list them.
func (st store) validOfCourses(ctx context.Context, idb bun.IDB, userID int64, courseIDs []int64) ([]certRow, error) {
	var rows []certRow
	if len(courseIDs) == 0 {
		return rows, nil
	}
	err := idb.NewSelect().Model(&rows).Where("c.user_id = ? AND c.status = 'valid'", userID).Scan(ctx)
	if err != nil {
		return nil, err
	}
	want := map[int64]bool{}
	for _, id := range courseIDs {
		want[id] = true
	}
	out := rows[:0]
	for _, r := range rows {
		switch {
		case r.CourseID != nil && want[*r.CourseID]:
			out = append(out, r)
		case r.Kind == KindCurriculum && coversAny(r.Details.V.Courses, want):
			out = append(out, r)
		}
	}
	return out, nil
}

func coversAny(cs []Course, want map[int64]bool) bool {
	for _, c := range cs {
		if want[c.ID] {
			return true
		}
	}
	return false
}

// adminFilter narrows the admins' list.
type adminFilter struct {
	Status string // "", valid, revoked
	Query  string // a serial, or part of a holder's name or a title
}

// list is every certificate matching f, newest first, and the count.
func (st store) list(ctx context.Context, idb bun.IDB, f adminFilter, limit, offset int) ([]certRow, int, error) {
	var rows []certRow
	q := idb.NewSelect().Model(&rows)
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	if f.Query != "" {
		if s := normalizeSerial(f.Query); s != "" {
			q = q.Where("c.serial = ?", s)
		} else {
			q = st.d.WhereTextSearch(q, "certificates", "c", []string{"holder_name", "title"}, f.Query)
		}
	}
	n, err := q.OrderExpr("c.issued_at DESC, c.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// revokedIDs returns the ids of revoked certificates in [from, to) — the
// entries of one status list.
func (st store) revokedIDs(ctx context.Context, idb bun.IDB, from, to int64) ([]int64, error) {
	var ids []int64
	err := idb.NewSelect().Model((*certRow)(nil)).Column("id").
		Where("status = 'revoked' AND id >= ? AND id < ?", from, to).OrderExpr("id").Scan(ctx, &ids)
	return ids, err
}

// lastChange is the latest issue or revocation time, for the status list's
// validity stamp (zero: none yet).
func (st store) lastRevocation(ctx context.Context, idb bun.IDB, from, to int64) (time.Time, error) {
	var t []time.Time
	err := idb.NewSelect().Model((*certRow)(nil)).ColumnExpr("revoked_at").
		Where("status = 'revoked' AND id >= ? AND id < ?", from, to).OrderExpr("revoked_at DESC").Limit(1).Scan(ctx, &t)
	if err != nil || len(t) == 0 {
		return time.Time{}, err
	}
	return t[0], nil
}
