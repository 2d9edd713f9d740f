package learning

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// store holds every query of the module (store_watch.go: the watch log and
// progress).
type store struct {
	d *db.DB
	// The heartbeat path's statements on Postgres (store_watch.go).
	qLockProgress, qInsertEvents, qSaveProgress db.Stmt
}

func newStore(d *db.DB) store {
	st := store{d: d}
	if d.IsPostgres() {
		st.qLockProgress, st.qInsertEvents, st.qSaveProgress = watchStmts(d)
	}
	return st
}

type enrollmentRow struct {
	bun.BaseModel `bun:"table:learning_enrollments,alias:e"`

	ID           int64      `bun:"id,pk,autoincrement"`
	UserID       int64      `bun:"user_id,notnull"`
	CourseID     int64      `bun:"course_id,notnull"`
	Source       string     `bun:"source,notnull"`
	Ref          string     `bun:"ref,notnull"`
	Reason       string     `bun:"reason,notnull"`
	GrantedBy    *int64     `bun:"granted_by"`
	StartsAt     time.Time  `bun:"starts_at,notnull"`
	ExpiresAt    *time.Time `bun:"expires_at"`
	RevokedAt    *time.Time `bun:"revoked_at"`
	RevokedBy    *int64     `bun:"revoked_by"`
	RevokeReason string     `bun:"revoke_reason,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	UpdatedAt    time.Time  `bun:"updated_at,notnull"`
}

// live reports whether the grant gives access at now.
func (r *enrollmentRow) live(now time.Time) bool {
	return r.RevokedAt == nil && !r.StartsAt.After(now) && (r.ExpiresAt == nil || r.ExpiresAt.After(now))
}

type topicCompletionRow struct {
	bun.BaseModel `bun:"table:learning_topic_completions,alias:tc"`

	UserID      int64     `bun:"user_id,pk"`
	TopicID     int64     `bun:"topic_id,pk"`
	CourseID    int64     `bun:"course_id,notnull"`
	Source      string    `bun:"source,notnull"`
	CompletedAt time.Time `bun:"completed_at,notnull"`
}

type courseProgressRow struct {
	bun.BaseModel `bun:"table:learning_course_progress,alias:cp"`

	UserID         int64      `bun:"user_id,pk"`
	CourseID       int64      `bun:"course_id,pk"`
	LastTopicID    *int64     `bun:"last_topic_id"`
	StartedAt      time.Time  `bun:"started_at,notnull"`
	LastActivityAt time.Time  `bun:"last_activity_at,notnull"`
	CompletedAt    *time.Time `bun:"completed_at"`
}

// ---- enrollments ------------------------------------------------------------

// upsertGrant inserts a grant or renews the one with the same key, and
// returns its id.
func (st store) upsertGrant(ctx context.Context, tx bun.IDB, r *enrollmentRow) (int64, error) {
	_, err := tx.NewInsert().Model(r).
		On("CONFLICT (user_id, course_id, source, ref) DO UPDATE").
		Set("reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by, starts_at = EXCLUDED.starts_at").
		Set("expires_at = EXCLUDED.expires_at, revoked_at = NULL, revoked_by = NULL, revoke_reason = ''").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("id").Exec(ctx, &r.ID)
	return r.ID, err
}

// enrollment returns one enrollment of a course (nil when there is none).
func (st store) enrollment(ctx context.Context, idb bun.IDB, courseID, id int64) (*enrollmentRow, error) {
	var r enrollmentRow
	err := idb.NewSelect().Model(&r).Where("e.course_id = ? AND e.id = ?", courseID, id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// revoke revokes enrollments by id, or all live ones of a source and ref.
func (st store) revoke(ctx context.Context, tx bun.IDB, ids []int64, source, ref, reason string, by *int64, now time.Time) (int, error) {
	q := tx.NewUpdate().Model((*enrollmentRow)(nil)).
		Set("revoked_at = ?, revoked_by = ?, revoke_reason = ?, updated_at = ?", now, by, reason, now).
		Where("revoked_at IS NULL")
	if ids != nil {
		q = q.Where("id IN (?)", bun.In(ids))
	} else {
		q = q.Where("source = ? AND ref = ?", source, ref)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// revokeRef revokes the live grants of a source and ref and returns them
// (their users and courses).
func (st store) revokeRef(ctx context.Context, tx bun.IDB, source, ref, reason string, by *int64, now time.Time) ([]enrollmentRow, error) {
	var rows []enrollmentRow
	_, err := tx.NewUpdate().Model((*enrollmentRow)(nil)).
		Set("revoked_at = ?, revoked_by = ?, revoke_reason = ?, updated_at = ?", now, by, reason, now).
		Where("revoked_at IS NULL AND source = ? AND ref = ?", source, ref).
		Returning("user_id, course_id").Exec(ctx, &rows)
	return rows, err
}

// userEnrollments returns a user's enrollments (of courseIDs, or all when
// nil), newest first.
func (st store) userEnrollments(ctx context.Context, idb bun.IDB, userID int64, courseIDs []int64) ([]enrollmentRow, error) {
	var out []enrollmentRow
	q := idb.NewSelect().Model(&out).Where("e.user_id = ?", userID)
	if courseIDs != nil {
		q = q.Where("e.course_id IN (?)", bun.In(courseIDs))
	}
	err := q.OrderExpr("e.created_at DESC, e.id DESC").Scan(ctx)
	return out, err
}

// courseEnrollments is a page of a course's enrollments, newest first, and
// their total.
func (st store) courseEnrollments(ctx context.Context, idb bun.IDB, courseID int64, limit, offset int) ([]enrollmentRow, int, error) {
	var out []enrollmentRow
	n, err := idb.NewSelect().Model(&out).Where("e.course_id = ?", courseID).
		OrderExpr("e.created_at DESC, e.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return out, int(n), err
}

// studentsOfCourses returns the users with a live grant to any of courseIDs.
func (st store) studentsOfCourses(ctx context.Context, idb bun.IDB, courseIDs []int64, now time.Time) ([]int64, error) {
	var out []int64
	if len(courseIDs) == 0 {
		return out, nil
	}
	err := idb.NewSelect().Model((*enrollmentRow)(nil)).ColumnExpr("DISTINCT e.user_id").
		Where("e.course_id IN (?)", bun.In(courseIDs)).Where("e.revoked_at IS NULL").
		Where("e.starts_at <= ?", now).Where("e.expires_at IS NULL OR e.expires_at > ?", now).
		OrderExpr("e.user_id").Scan(ctx, &out)
	return out, err
}

// ---- completions and course progress -----------------------------------------

// completeTopic records a completion; done reports whether it is new.
func (st store) completeTopic(ctx context.Context, tx bun.IDB, r *topicCompletionRow) (bool, error) {
	res, err := tx.NewInsert().Model(r).On("CONFLICT (user_id, topic_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// completedTopics returns the topics a user completed, of courseIDs (all
// when nil), by topic.
func (st store) completedTopics(ctx context.Context, idb bun.IDB, userID int64, courseIDs []int64) (map[int64]topicCompletionRow, error) {
	var rows []topicCompletionRow
	q := idb.NewSelect().Model(&rows).Where("tc.user_id = ?", userID)
	if courseIDs != nil {
		if len(courseIDs) == 0 {
			return map[int64]topicCompletionRow{}, nil
		}
		q = q.Where("tc.course_id IN (?)", bun.In(courseIDs))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]topicCompletionRow, len(rows))
	for _, r := range rows {
		out[r.TopicID] = r
	}
	return out, nil
}

// touchCourse records activity in a course (and the topic opened, when not
// 0), starting its progress row on the first.
func (st store) touchCourse(ctx context.Context, tx bun.IDB, userID, courseID, topicID int64, now time.Time) error {
	r := &courseProgressRow{UserID: userID, CourseID: courseID, StartedAt: now, LastActivityAt: now}
	// Never back in time: in a group commit, a later call's completion may
	// have written the course's progress before an earlier call's touch.
	q := tx.NewInsert().Model(r).On("CONFLICT (user_id, course_id) DO UPDATE").
		Set("last_activity_at = EXCLUDED.last_activity_at").Where("cp.last_activity_at <= EXCLUDED.last_activity_at")
	if topicID != 0 {
		r.LastTopicID = &topicID
		q = q.Set("last_topic_id = EXCLUDED.last_topic_id")
	}
	_, err := q.Exec(ctx)
	return err
}

// completeCourse marks a course completed; done reports whether it is new.
func (st store) completeCourse(ctx context.Context, tx bun.IDB, userID, courseID int64, now time.Time) (bool, error) {
	if err := st.touchCourse(ctx, tx, userID, courseID, 0, now); err != nil {
		return false, err
	}
	res, err := tx.NewUpdate().Model((*courseProgressRow)(nil)).Set("completed_at = ?", now).
		Where("user_id = ? AND course_id = ? AND completed_at IS NULL", userID, courseID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// courseProgress returns a user's course progress rows (of courseIDs, all
// when nil), by course.
func (st store) courseProgress(ctx context.Context, idb bun.IDB, userID int64, courseIDs []int64) (map[int64]courseProgressRow, error) {
	var rows []courseProgressRow
	q := idb.NewSelect().Model(&rows).Where("cp.user_id = ?", userID)
	if courseIDs != nil {
		if len(courseIDs) == 0 {
			return map[int64]courseProgressRow{}, nil
		}
		q = q.Where("cp.course_id IN (?)", bun.In(courseIDs))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]courseProgressRow, len(rows))
	for _, r := range rows {
		out[r.CourseID] = r
	}
	return out, nil
}
