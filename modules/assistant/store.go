package assistant

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

type courseIndexRow struct {
	bun.BaseModel `bun:"table:assistant_courses,alias:ac"`

	CourseID  int64     `bun:"course_id,pk"`
	Stamp     string    `bun:"stamp,notnull"`
	IndexedAt time.Time `bun:"indexed_at,notnull"`
}

type passageRow struct {
	bun.BaseModel `bun:"table:assistant_passages,alias:ap"`

	ID         int64  `bun:"id,pk,autoincrement"`
	CourseID   int64  `bun:"course_id,notnull"`
	TopicID    int64  `bun:"topic_id,notnull"`
	TopicTitle string `bun:"topic_title,notnull"`
	Kind       string `bun:"kind,notnull"`
	StartMS    int64  `bun:"start_ms,notnull"`
	Body       string `bun:"body,notnull"`
}

type conversationRow struct {
	bun.BaseModel `bun:"table:assistant_conversations,alias:c"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	TopicID   int64     `bun:"topic_id,notnull"`
	CourseID  int64     `bun:"course_id,notnull"`
	Title     string    `bun:"title,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

type messageRow struct {
	bun.BaseModel `bun:"table:assistant_messages,alias:m"`

	ID               int64               `bun:"id,pk,autoincrement"`
	ConversationID   int64               `bun:"conversation_id,notnull"`
	UserID           int64               `bun:"user_id,notnull"`
	Role             string              `bun:"role,notnull"`
	Content          string              `bun:"content,notnull"`
	VideoMS          int64               `bun:"video_ms,notnull"`
	Citations        db.JSON[[]Citation] `bun:"citations,notnull"`
	PromptTokens     int                 `bun:"prompt_tokens,notnull"`
	CompletionTokens int                 `bun:"completion_tokens,notnull"`
	Model            string              `bun:"model,notnull"`
	Failed           bool                `bun:"failed,notnull"`
	CreatedAt        time.Time           `bun:"created_at,notnull"`
}

// indexStamps returns the stamps the passages of courseIDs were built from.
func (store) indexStamps(ctx context.Context, idb bun.IDB, courseIDs []int64) (map[int64]string, error) {
	var rows []courseIndexRow
	err := idb.NewSelect().Model(&rows).Where("ac.course_id IN (?)", bun.In(courseIDs)).Scan(ctx)
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.CourseID] = r.Stamp
	}
	return out, err
}

// indexedCourses returns every course that has passages.
func (store) indexedCourses(ctx context.Context, idb bun.IDB) ([]int64, error) {
	var ids []int64
	err := idb.NewSelect().Model((*courseIndexRow)(nil)).Column("course_id").Scan(ctx, &ids)
	return ids, err
}

// replacePassages replaces a course's passages and records their stamp.
func (store) replacePassages(ctx context.Context, idb bun.IDB, courseID int64, stamp string, now time.Time, rows []passageRow) error {
	if _, err := idb.NewDelete().Model((*passageRow)(nil)).Where("course_id = ?", courseID).Exec(ctx); err != nil {
		return err
	}
	for start := 0; start < len(rows); start += 200 {
		batch := rows[start:min(start+200, len(rows))]
		if _, err := idb.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return err
		}
	}
	_, err := idb.NewInsert().Model(&courseIndexRow{CourseID: courseID, Stamp: stamp, IndexedAt: now}).
		On("CONFLICT (course_id) DO UPDATE").Set("stamp = EXCLUDED.stamp, indexed_at = EXCLUDED.indexed_at").Exec(ctx)
	return err
}

// searchPassages returns the passages of courseIDs that contain term
// (db.WhereTextSearch: FTS5 trigrams on SQLite, pg_trgm on Postgres), at
// most limit.
func (st store) searchPassages(ctx context.Context, idb bun.IDB, courseIDs []int64, term string, limit int) ([]passageRow, error) {
	var rows []passageRow
	q := idb.NewSelect().Model(&rows).Where("ap.course_id IN (?)", bun.In(courseIDs))
	q = st.d.WhereTextSearch(q, "assistant_passages", "ap", []string{"body"}, term)
	err := q.OrderExpr("ap.id").Limit(int64(limit)).Scan(ctx)
	return rows, err
}

// topicPassages returns a topic's passages in order.
func (store) topicPassages(ctx context.Context, idb bun.IDB, topicID int64, limit int) ([]passageRow, error) {
	var rows []passageRow
	err := idb.NewSelect().Model(&rows).Where("ap.topic_id = ?", topicID).OrderExpr("ap.id").Limit(int64(limit)).Scan(ctx)
	return rows, err
}

// captionAt returns the caption passage of a topic playing at ms (the last
// one starting at or before it), or nil.
func (store) captionAt(ctx context.Context, idb bun.IDB, topicID, ms int64) (*passageRow, error) {
	var r passageRow
	err := idb.NewSelect().Model(&r).Where("ap.topic_id = ?", topicID).Where("ap.kind = ?", kindCaption).
		Where("ap.start_ms <= ?", ms).OrderExpr("ap.start_ms DESC, ap.id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// conversation loads p's conversation (owner-scoped).
func (store) conversation(ctx context.Context, idb bun.IDB, userID, id int64) (*conversationRow, error) {
	var r conversationRow
	err := idb.NewSelect().Model(&r).Where("c.user_id = ?", userID).Where("c.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errConversationNotFound
	}
	return &r, err
}

// latestConversation returns the user's latest conversation about a topic.
func (store) latestConversation(ctx context.Context, idb bun.IDB, userID, topicID int64) (*conversationRow, error) {
	var r conversationRow
	err := idb.NewSelect().Model(&r).Where("c.user_id = ?", userID).Where("c.topic_id = ?", topicID).
		OrderExpr("c.updated_at DESC, c.id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// conversations lists a user's conversations, latest first (of one topic
// when topicID is not 0).
func (store) conversations(ctx context.Context, idb bun.IDB, userID, topicID int64, limit, offset int) ([]conversationRow, int, error) {
	var rows []conversationRow
	q := idb.NewSelect().Model(&rows).Where("c.user_id = ?", userID)
	if topicID != 0 {
		q = q.Where("c.topic_id = ?", topicID)
	}
	n, err := q.OrderExpr("c.updated_at DESC, c.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// messages returns a conversation's messages, oldest first; the last
// limit when limit > 0.
func (store) messages(ctx context.Context, idb bun.IDB, conversationID int64, limit int) ([]messageRow, error) {
	var rows []messageRow
	q := idb.NewSelect().Model(&rows).Where("m.conversation_id = ?", conversationID).OrderExpr("m.id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows, nil
}

// insertConversation stores a new conversation.
func (store) insertConversation(ctx context.Context, idb bun.IDB, r *conversationRow) error {
	_, err := idb.NewInsert().Model(r).Exec(ctx)
	return err
}

// touchConversation records a conversation's latest message.
func (store) touchConversation(ctx context.Context, idb bun.IDB, id int64, now time.Time) error {
	_, err := idb.NewUpdate().Model((*conversationRow)(nil)).Set("updated_at = ?", now).Where("id = ?", id).Exec(ctx)
	return err
}

// insertMessage stores a message.
func (store) insertMessage(ctx context.Context, idb bun.IDB, r *messageRow) error {
	_, err := idb.NewInsert().Model(r).Exec(ctx)
	return err
}

// finishMessage records an answer's text, citations and cost.
func (store) finishMessage(ctx context.Context, idb bun.IDB, r *messageRow) error {
	_, err := idb.NewUpdate().Model(r).Column("content", "citations", "prompt_tokens", "completion_tokens", "failed").
		WherePK().Exec(ctx)
	return err
}

// usedSince returns a user's questions and tokens since t.
func (store) usedSince(ctx context.Context, idb bun.IDB, userID int64, t time.Time) (messages, tokens int, err error) {
	var out struct {
		Messages int `bun:"messages"`
		Tokens   int `bun:"tokens"`
	}
	err = idb.NewSelect().Model((*messageRow)(nil)).
		ColumnExpr("COALESCE(SUM(CASE WHEN m.role = 'user' THEN 1 ELSE 0 END), 0) AS messages").
		ColumnExpr("COALESCE(SUM(m.prompt_tokens + m.completion_tokens), 0) AS tokens").
		Where("m.user_id = ?", userID).Where("m.created_at >= ?", t).Scan(ctx, &out)
	return out.Messages, out.Tokens, err
}

// usageRow is one day of the assistant's use.
type usageRow struct {
	Day              string `bun:"day"`
	Questions        int    `bun:"questions"`
	Answers          int    `bun:"answers"`
	Failed           int    `bun:"failed"`
	Users            int    `bun:"users"`
	PromptTokens     int    `bun:"prompt_tokens"`
	CompletionTokens int    `bun:"completion_tokens"`
}

// usageByDay returns the totals per UTC day since t, latest first.
func (st store) usageByDay(ctx context.Context, idb bun.IDB, since time.Time) ([]usageRow, error) {
	day := "substr(CAST(m.created_at AS TEXT), 1, 10)"
	if st.d.IsPostgres() {
		day = "to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var rows []usageRow
	err := idb.NewSelect().Model((*messageRow)(nil)).
		ColumnExpr(day+" AS day").
		ColumnExpr("SUM(CASE WHEN m.role = 'user' THEN 1 ELSE 0 END) AS questions").
		ColumnExpr("SUM(CASE WHEN m.role = 'assistant' THEN 1 ELSE 0 END) AS answers").
		ColumnExpr("SUM(CASE WHEN m.failed THEN 1 ELSE 0 END) AS failed").
		ColumnExpr("COUNT(DISTINCT m.user_id) AS users").
		ColumnExpr("COALESCE(SUM(m.prompt_tokens), 0) AS prompt_tokens").
		ColumnExpr("COALESCE(SUM(m.completion_tokens), 0) AS completion_tokens").
		Where("m.created_at >= ?", since).GroupExpr("1").OrderExpr("1 DESC").Scan(ctx, &rows)
	return rows, err
}
