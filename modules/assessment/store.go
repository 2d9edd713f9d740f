package assessment

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

// answerRow is one answer of a quiz attempt, as stored.
type answerRow struct {
	QuestionID int64   `json:"question_id"`
	ChoiceIDs  []int64 `json:"choice_ids"`
}

// questionResult is how one question of an attempt went, as stored.
type questionResult struct {
	QuestionID int64 `json:"question_id"`
	Correct    bool  `json:"correct"`
}

type attemptRow struct {
	bun.BaseModel `bun:"table:assessment_quiz_attempts,alias:qa"`

	ID        int64                     `bun:"id,pk,autoincrement"`
	UserID    int64                     `bun:"user_id,notnull"`
	TopicID   int64                     `bun:"topic_id,notnull"`
	CourseID  int64                     `bun:"course_id,notnull"`
	Number    int                       `bun:"number,notnull"`
	Answers   db.JSON[[]answerRow]      `bun:"answers,notnull"`
	Results   db.JSON[[]questionResult] `bun:"results,notnull"`
	Correct   int                       `bun:"correct,notnull"`
	Total     int                       `bun:"total,notnull"`
	Score     int                       `bun:"score,notnull"`
	Passed    bool                      `bun:"passed,notnull"`
	CreatedAt time.Time                 `bun:"created_at,notnull"`
}

// testResult is one test's result of a submission, as stored (hidden tests'
// messages included: only learners' views redact them).
// Code and Args are the message as the grader said it (see Outcome);
// results graded before codes existed have only Message, in English.
type testResult struct {
	Name    string         `json:"name"`
	Hidden  bool           `json:"hidden,omitempty"`
	Passed  bool           `json:"passed"`
	Message string         `json:"message,omitempty"`
	Code    string         `json:"code,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
	Output  string         `json:"output,omitempty"` // what the code printed (before codes: in Message)
}

// Submission statuses.
const (
	statusQueued  = "queued"
	statusRunning = "running"
	statusGraded  = "graded"
	statusError   = "error"
)

type submissionRow struct {
	bun.BaseModel `bun:"table:assessment_submissions,alias:sb"`

	ID        int64                   `bun:"id,pk,autoincrement"`
	UserID    int64                   `bun:"user_id,notnull"`
	TopicID   int64                   `bun:"topic_id,notnull"`
	CourseID  int64                   `bun:"course_id,notnull"`
	Number    int                     `bun:"number,notnull"`
	Language  string                  `bun:"language,notnull"`
	Code      string                  `bun:"code,notnull"`
	Status    string                  `bun:"status,notnull"`
	Score     int                     `bun:"score,notnull"`
	Passed    bool                    `bun:"passed,notnull"`
	Verdict   string                  `bun:"verdict,notnull"`
	Message   string                  `bun:"message,notnull"`
	MsgCode   string                  `bun:"message_code,notnull"`
	MsgArgs   db.JSON[map[string]any] `bun:"message_args,notnull"`
	Results   db.JSON[[]testResult]   `bun:"results,notnull"`
	CreatedAt time.Time               `bun:"created_at,notnull"`
	ClaimedAt *time.Time              `bun:"claimed_at"`
	GradedAt  *time.Time              `bun:"graded_at"`
}

type standingRow struct {
	bun.BaseModel `bun:"table:assessment_standings,alias:st"`

	UserID    int64      `bun:"user_id,pk"`
	TopicID   int64      `bun:"topic_id,pk"`
	CourseID  int64      `bun:"course_id,notnull"`
	Kind      string     `bun:"kind,notnull"`
	Attempts  int        `bun:"attempts,notnull"`
	Pending   int        `bun:"pending,notnull"`
	BestScore int        `bun:"best_score,notnull"`
	LastScore int        `bun:"last_score,notnull"`
	PassedAt  *time.Time `bun:"passed_at"`
	UpdatedAt time.Time  `bun:"updated_at,notnull"`
}

// nextAttempt returns the number the user's next attempt of a quiz gets.
func (st store) nextAttempt(ctx context.Context, idb bun.IDB, userID, topicID int64) (int, error) {
	var n int
	err := idb.NewSelect().Model((*attemptRow)(nil)).ColumnExpr("COALESCE(MAX(qa.number), 0)").
		Where("qa.user_id = ? AND qa.topic_id = ?", userID, topicID).Scan(ctx, &n)
	return n + 1, err
}

// insertAttempt stores a graded attempt; a second one with the same number
// is refused by the unique key (db.IsUniqueViolation).
func (st store) insertAttempt(ctx context.Context, idb bun.IDB, row *attemptRow) error {
	_, err := idb.NewInsert().Model(row).Returning("id").Exec(ctx)
	return err
}

// attempt loads one of the user's attempts.
func (st store) attempt(ctx context.Context, idb bun.IDB, userID, id int64) (*attemptRow, error) {
	var row attemptRow
	err := idb.NewSelect().Model(&row).Where("qa.user_id = ? AND qa.id = ?", userID, id).Scan(ctx)
	return &row, notFound(err, errAttemptNotFound)
}

// attemptByNumber loads the user's attempt of a topic by its number.
func (st store) attemptByNumber(ctx context.Context, idb bun.IDB, userID, topicID int64, number int) (*attemptRow, error) {
	var row attemptRow
	err := idb.NewSelect().Model(&row).Where("qa.user_id = ? AND qa.topic_id = ? AND qa.number = ?", userID, topicID, number).Scan(ctx)
	return &row, notFound(err, errAttemptNotFound)
}

// attempts lists the user's attempts, newest first (of one topic when
// topicID is not 0), with their total count.
func (st store) attempts(ctx context.Context, idb bun.IDB, userID, topicID int64, limit, offset int) ([]attemptRow, int, error) {
	var rows []attemptRow
	q := idb.NewSelect().Model(&rows).Where("qa.user_id = ?", userID)
	if topicID != 0 {
		q = q.Where("qa.topic_id = ?", topicID)
	}
	n, err := q.OrderExpr("qa.created_at DESC, qa.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// nextSubmission returns the number the user's next submission to an
// assignment gets.
func (st store) nextSubmission(ctx context.Context, idb bun.IDB, userID, topicID int64) (int, error) {
	var n int
	err := idb.NewSelect().Model((*submissionRow)(nil)).ColumnExpr("COALESCE(MAX(sb.number), 0)").
		Where("sb.user_id = ? AND sb.topic_id = ?", userID, topicID).Scan(ctx, &n)
	return n + 1, err
}

// recentSubmissions counts the user's submissions since a time (the rate
// limit).
func (st store) recentSubmissions(ctx context.Context, idb bun.IDB, userID int64, since time.Time) (int, error) {
	n, err := idb.NewSelect().Model((*submissionRow)(nil)).Where("sb.user_id = ? AND sb.created_at > ?", userID, since).Count(ctx)
	return int(n), err
}

// insertSubmission stores a queued submission.
func (st store) insertSubmission(ctx context.Context, idb bun.IDB, row *submissionRow) error {
	_, err := idb.NewInsert().Model(row).Returning("id").Exec(ctx)
	return err
}

// submission loads a submission: the user's own (userID not 0) or any.
func (st store) submission(ctx context.Context, idb bun.IDB, userID, id int64) (*submissionRow, error) {
	var row submissionRow
	q := idb.NewSelect().Model(&row).Where("sb.id = ?", id)
	if userID != 0 {
		q = q.Where("sb.user_id = ?", userID)
	}
	return &row, notFound(q.Scan(ctx), errSubmissionNotFound)
}

// submissions lists the user's submissions, newest first (of one topic when
// topicID is not 0), without their code, with their total count.
func (st store) submissions(ctx context.Context, idb bun.IDB, userID, topicID int64, limit, offset int) ([]submissionRow, int, error) {
	var rows []submissionRow
	q := idb.NewSelect().Model(&rows).ExcludeColumn("code").Where("sb.user_id = ?", userID)
	if topicID != 0 {
		q = q.Where("sb.topic_id = ?", topicID)
	}
	n, err := q.OrderExpr("sb.created_at DESC, sb.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// claim marks a submission running if it is queued, or if its claim is
// older than stale (a grader that died); it reports whether it was claimed.
func (st store) claim(ctx context.Context, idb bun.IDB, id int64, now, stale time.Time) (bool, error) {
	res, err := idb.NewUpdate().Model((*submissionRow)(nil)).Set("status = ?", statusRunning).Set("claimed_at = ?", now).
		Where("id = ?", id).
		Where("status = ? OR (status = ? AND claimed_at < ?)", statusQueued, statusRunning, stale).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// release gives a claimed submission back to the queue (its grader failed).
func (st store) release(ctx context.Context, idb bun.IDB, id int64) {
	_, _ = idb.NewUpdate().Model((*submissionRow)(nil)).Set("status = ?", statusQueued).Set("claimed_at = NULL").
		Where("id = ? AND status = ?", id, statusRunning).Exec(ctx)
}

// finish stores a submission's result, unless another grader already did.
func (st store) finish(ctx context.Context, idb bun.IDB, row *submissionRow) (bool, error) {
	res, err := idb.NewUpdate().Model(row).Column("status", "score", "passed", "verdict", "message", "message_code", "message_args", "results", "graded_at").
		WherePK().Where("status IN (?)", bun.In([]string{statusQueued, statusRunning})).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// standing reads a user's standing in a topic; nil when there is none.
func (st store) standing(ctx context.Context, idb bun.IDB, userID, topicID int64) (*standingRow, error) {
	var row standingRow
	if err := idb.NewSelect().Model(&row).Where("st.user_id = ? AND st.topic_id = ?", userID, topicID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &row, nil
}

// lockStanding returns the user's standing in a topic, locked for the
// transaction, creating it (from blank) when there is none: concurrent
// results of one learner then update it one after the other.
func (st store) lockStanding(ctx context.Context, tx bun.Tx, blank *standingRow) (*standingRow, error) {
	if _, err := tx.NewInsert().Model(blank).On("CONFLICT (user_id, topic_id) DO NOTHING").Exec(ctx); err != nil {
		return nil, err
	}
	var row standingRow
	q := tx.NewSelect().Model(&row).Where("st.user_id = ? AND st.topic_id = ?", blank.UserID, blank.TopicID)
	if err := st.d.ForUpdate(q).Scan(ctx); err != nil {
		return nil, err
	}
	return &row, nil
}

// updateStanding writes a standing locked by lockStanding.
func (st store) updateStanding(ctx context.Context, tx bun.Tx, row *standingRow) error {
	_, err := tx.NewUpdate().Model(row).Column("attempts", "pending", "best_score", "last_score", "passed_at", "updated_at").
		WherePK().Exec(ctx)
	return err
}

// standings returns the user's standings in the topics of courseIDs, by topic.
func (st store) standings(ctx context.Context, idb bun.IDB, userID int64, courseIDs []int64) (map[int64]standingRow, error) {
	var rows []standingRow
	if err := idb.NewSelect().Model(&rows).Where("st.user_id = ? AND st.course_id IN (?)", userID, bun.In(courseIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]standingRow, len(rows))
	for _, r := range rows {
		out[r.TopicID] = r
	}
	return out, nil
}

// notFound turns "no rows" into the module's not-found error.
func notFound(err, nf error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nf
	}
	return err
}
