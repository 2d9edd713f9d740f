package catalog

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// jsonValue stores a Go value as JSON text on both dialects (bun would write
// a Go slice as a Postgres array).
type jsonValue[T any] struct{ V T }

func (j jsonValue[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	return string(b), err
}

func (j *jsonValue[T]) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		var zero T
		j.V = zero
		return nil
	case string:
		return json.Unmarshal([]byte(s), &j.V)
	case []byte:
		return json.Unmarshal(s, &j.V)
	}
	return fmt.Errorf("catalog: cannot scan %T as JSON", src)
}

type curriculumRow struct {
	bun.BaseModel `bun:"table:catalog_curriculums,alias:cu"`

	ID          int64               `bun:"id,pk,autoincrement"`
	Slug        string              `bun:"slug,notnull"`
	AuthorID    int64               `bun:"author_id,notnull"`
	Title       string              `bun:"title,notnull"`
	Summary     string              `bun:"summary,notnull"`
	Description string              `bun:"description,notnull"`
	Category    string              `bun:"category,notnull"`
	SkillLevel  string              `bun:"skill_level,notnull"`
	Price       int64               `bun:"price,notnull"`
	AccessDays  int                 `bun:"access_days,notnull"`
	Tags        jsonValue[[]string] `bun:"tags,notnull"`
	Status      string              `bun:"status,notnull"`
	CreatedAt   time.Time           `bun:"created_at,notnull"`
	UpdatedAt   time.Time           `bun:"updated_at,notnull"`
	DeletedAt   *time.Time          `bun:"deleted_at"`
}

type courseRow struct {
	bun.BaseModel `bun:"table:catalog_courses,alias:c"`

	ID             int64               `bun:"id,pk,autoincrement"`
	Slug           string              `bun:"slug,notnull"`
	CurriculumID   *int64              `bun:"curriculum_id"`
	Position       int                 `bun:"position,notnull"`
	AuthorID       int64               `bun:"author_id,notnull"`
	Title          string              `bun:"title,notnull"`
	Summary        string              `bun:"summary,notnull"`
	Description    string              `bun:"description,notnull"`
	Category       string              `bun:"category,notnull"`
	SkillLevel     string              `bun:"skill_level,notnull"`
	Price          int64               `bun:"price,notnull"`
	AccessDays     int                 `bun:"access_days,notnull"`
	Credits        int                 `bun:"credits,notnull"`
	EstimatedHours int                 `bun:"estimated_hours,notnull"`
	Tags           jsonValue[[]string] `bun:"tags,notnull"`
	Status         string              `bun:"status,notnull"`
	Thumbnail      string              `bun:"thumbnail,notnull"`
	IntroVideo     string              `bun:"intro_video,notnull"`
	CreatedAt      time.Time           `bun:"created_at,notnull"`
	UpdatedAt      time.Time           `bun:"updated_at,notnull"`
	DeletedAt      *time.Time          `bun:"deleted_at"`
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

// storedContent is a topic's kind-specific content as stored (JSON).
type storedContent struct {
	Video      string           `json:"video,omitempty"`
	Captions   string           `json:"captions,omitempty"`
	Notes      string           `json:"notes,omitempty"`
	Body       string           `json:"body,omitempty"`
	Assignment *AssignmentInput `json:"assignment,omitempty"`
}

type topicRow struct {
	bun.BaseModel `bun:"table:catalog_topics,alias:t"`

	ID        int64                    `bun:"id,pk,autoincrement"`
	LectureID int64                    `bun:"lecture_id,notnull"`
	CourseID  int64                    `bun:"course_id,notnull"`
	Slug      string                   `bun:"slug,notnull"`
	Position  int                      `bun:"position,notnull"`
	Title     string                   `bun:"title,notnull"`
	Kind      string                   `bun:"kind,notnull"`
	Premium   bool                     `bun:"is_premium,notnull"`
	Mission   string                   `bun:"mission,notnull"`
	PassScore int                      `bun:"pass_score,notnull"`
	Duration  int                      `bun:"duration,notnull"`
	Content   jsonValue[storedContent] `bun:"content,notnull"`
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

var errNoChange = errors.New("no change")
