package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// The catalog's rows and every one of its queries live in the store files:
// store.go (rows, shared helpers), store_course.go, store_curriculum.go,
// store_outline.go and store_media.go. Services orchestrate: they hold the
// transactions and pass the store the handle to run on (db.R, or their tx).

// store holds the module's queries; every method takes the handle to run on.
type store struct{ d *db.DB }

// rels are the caller's relations to a course or curriculum, computed by
// the query that loads it (see withRels): the rows' relations for authz.
type rels struct {
	IsOwner     bool `bun:"is_owner,scanonly"`
	IsPublished bool `bun:"is_published,scanonly"`
}

// of returns the relations that hold, for authz.Check.
func (r rels) of() authz.Rels {
	return authz.Rels{}.If(r.IsOwner, authz.Owner).If(r.IsPublished, authz.Published)
}

// withRels selects a course's (alias c) or curriculum's (alias cu) columns
// and the caller's relations to it: uid authored it, it is published. An
// anonymous caller's uid is 0, no author's id.
func withRels(q *bun.SelectQuery, alias string, uid int64) *bun.SelectQuery {
	return q.ColumnExpr("?.*", bun.Ident(alias)).
		ColumnExpr("?.author_id = ? AS is_owner", bun.Ident(alias), uid).
		ColumnExpr("?.status = 'published' AS is_published", bun.Ident(alias))
}

// scope filters a course (alias c) or curriculum (alias cu) query to the
// rows an authz.Scope allows: every row, or those the caller authored or
// that are published.
func scope(q *bun.SelectQuery, alias string, sc authz.Scope, uid int64) *bun.SelectQuery {
	if sc.All {
		return q
	}
	if sc.None() {
		return q.Where("1 = 0")
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		if sc.Has(authz.Published) {
			q = q.WhereOr("?.status = 'published'", bun.Ident(alias))
		}
		if sc.Has(authz.Owner) {
			q = q.WhereOr("?.author_id = ?", bun.Ident(alias), uid)
		}
		return q
	})
}

// userID is the caller's id for relation queries: 0 (nobody's) when anonymous.
func userID(p *authz.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// notFound turns "no row" into the module's NotFound error e.
func notFound(err, e error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return e
	}
	return err
}

// insert inserts a row and reads back its id.
func (st store) insert(ctx context.Context, idb bun.IDB, row any) error {
	_, err := idb.NewInsert().Model(row).Returning("id").Exec(ctx)
	return err
}

// update writes the named columns of a row, by primary key.
func (st store) update(ctx context.Context, idb bun.IDB, row any, cols ...string) error {
	_, err := idb.NewUpdate().Model(row).Column(cols...).WherePK().Exec(ctx)
	return err
}

// slugsLike returns the slugs of the rows of model's table (aliased alias;
// live or deleted, as the unique index covers both) that are base or
// base-…: those a slug derived from base could collide with.
func (st store) slugsLike(ctx context.Context, idb bun.IDB, model any, alias, base string) (map[string]bool, error) {
	var slugs []string
	// base is a slug: letters, digits and hyphens, none of LIKE's wildcards.
	if err := idb.NewSelect().Model(model).Column("slug").
		Where("?.slug = ? OR ?.slug LIKE ?", bun.Ident(alias), base, bun.Ident(alias), base+"-%").Scan(ctx, &slugs); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(slugs))
	for _, s := range slugs {
		out[s] = true
	}
	return out, nil
}

type curriculumRow struct {
	bun.BaseModel `bun:"table:catalog_curriculums,alias:cu"`

	ID          int64             `bun:"id,pk,autoincrement"`
	Slug        string            `bun:"slug,notnull"`
	AuthorID    int64             `bun:"author_id,notnull"`
	Title       string            `bun:"title,notnull"`
	Summary     string            `bun:"summary,notnull"`
	Description string            `bun:"description,notnull"`
	Category    string            `bun:"category,notnull"`
	SkillLevel  string            `bun:"skill_level,notnull"`
	Price       int64             `bun:"price,notnull"`
	AccessDays  int               `bun:"access_days,notnull"`
	Tags        db.JSON[[]string] `bun:"tags,notnull"`
	Status      string            `bun:"status,notnull"`
	CreatedAt   time.Time         `bun:"created_at,notnull"`
	UpdatedAt   time.Time         `bun:"updated_at,notnull"`
	DeletedAt   *time.Time        `bun:"deleted_at"`
	rels
}

type courseRow struct {
	bun.BaseModel `bun:"table:catalog_courses,alias:c"`

	ID             int64             `bun:"id,pk,autoincrement"`
	Slug           string            `bun:"slug,notnull"`
	CurriculumID   *int64            `bun:"curriculum_id"`
	Position       int               `bun:"position,notnull"`
	AuthorID       int64             `bun:"author_id,notnull"`
	Title          string            `bun:"title,notnull"`
	Summary        string            `bun:"summary,notnull"`
	Description    string            `bun:"description,notnull"`
	Category       string            `bun:"category,notnull"`
	SkillLevel     string            `bun:"skill_level,notnull"`
	Price          int64             `bun:"price,notnull"`
	AccessDays     int               `bun:"access_days,notnull"`
	Credits        int               `bun:"credits,notnull"`
	EstimatedHours int               `bun:"estimated_hours,notnull"`
	Tags           db.JSON[[]string] `bun:"tags,notnull"`
	Status         string            `bun:"status,notnull"`
	Thumbnail      string            `bun:"thumbnail,notnull"`
	IntroVideo     string            `bun:"intro_video,notnull"`
	// Certificate is what the course asks for its certificate ('{}': the
	// default rule).
	Certificate db.JSON[CertificateRule] `bun:"certificate,notnull"`
	// Version counts the course's saves (see bumpVersion).
	Version   int64      `bun:"version,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	UpdatedAt time.Time  `bun:"updated_at,notnull"`
	DeletedAt *time.Time `bun:"deleted_at"`
	rels
}

type prerequisiteRow struct {
	bun.BaseModel `bun:"table:catalog_prerequisites,alias:pq"`

	CourseID       int64 `bun:"course_id,pk"`
	PrerequisiteID int64 `bun:"prerequisite_id,pk"`
}

type lectureRow struct {
	bun.BaseModel `bun:"table:catalog_lectures,alias:l"`

	ID        int64      `bun:"id,pk,autoincrement"`
	CourseID  int64      `bun:"course_id,notnull"`
	Slug      string     `bun:"slug,notnull"`
	Position  int        `bun:"position,notnull"`
	Title     string     `bun:"title,notnull"`
	Summary   string     `bun:"summary,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	UpdatedAt time.Time  `bun:"updated_at,notnull"`
	DeletedAt *time.Time `bun:"deleted_at"`
}

type topicRow struct {
	bun.BaseModel `bun:"table:catalog_topics,alias:t"`

	ID        int64  `bun:"id,pk,autoincrement"`
	LectureID int64  `bun:"lecture_id,notnull"`
	CourseID  int64  `bun:"course_id,notnull"`
	Slug      string `bun:"slug,notnull"`
	Position  int    `bun:"position,notnull"`
	Title     string `bun:"title,notnull"`
	Kind      string `bun:"kind,notnull"`
	Premium   bool   `bun:"is_premium,notnull"`
	Mission   string `bun:"mission,notnull"`
	PassScore int    `bun:"pass_score,notnull"`
	// MaxAttempts caps a learner's attempts of a quiz (0: no cap).
	MaxAttempts int `bun:"max_attempts,notnull"`
	Duration    int `bun:"duration,notnull"`
	// Content is the kind's payload (Kind.Payload), as the kind stores it.
	Content   db.JSON[json.RawMessage] `bun:"content,notnull"`
	CreatedAt time.Time                `bun:"created_at,notnull"`
	UpdatedAt time.Time                `bun:"updated_at,notnull"`
	DeletedAt *time.Time               `bun:"deleted_at"`
}

type questionRow struct {
	bun.BaseModel `bun:"table:catalog_questions,alias:q"`

	ID          int64      `bun:"id,pk,autoincrement"`
	TopicID     int64      `bun:"topic_id,notnull"`
	Position    int        `bun:"position,notnull"`
	Prompt      string     `bun:"prompt,notnull"`
	Explanation string     `bun:"explanation,notnull"`
	Multiple    bool       `bun:"multiple,notnull"` // several choices may be correct
	DeletedAt   *time.Time `bun:"deleted_at"`
}

type choiceRow struct {
	bun.BaseModel `bun:"table:catalog_choices,alias:ch"`

	ID         int64      `bun:"id,pk,autoincrement"`
	QuestionID int64      `bun:"question_id,notnull"`
	Position   int        `bun:"position,notnull"`
	Text       string     `bun:"text,notnull"`
	IsCorrect  bool       `bun:"is_correct,notnull"`
	DeletedAt  *time.Time `bun:"deleted_at"`
}

// retiredMediaRow is a row of catalog_retired_media.
type retiredMediaRow struct {
	bun.BaseModel `bun:"table:catalog_retired_media,alias:rm"`

	Ref       string    `bun:"ref,pk"`
	RetiredAt time.Time `bun:"retired_at,notnull"`
}
