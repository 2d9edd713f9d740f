package assistant

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Aggregate reads of the dashboards (analytics.go): one GROUP BY query
// each over the messages of [from, to), filtered on the raw created_at
// (index assistant_messages_created_idx) and grouped by its day.

// dayCount is a count per day (and course).
type dayCount struct {
	Day      string `bun:"day"`
	CourseID int64  `bun:"course_id"`
	N        int64  `bun:"n"`
}

// dailyQuestions counts per day and course the questions asked in [from,
// to): a question's course is its conversation's (joined by primary key).
func (st store) dailyQuestions(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]dayCount, error) {
	day, err := st.d.DayOf("m.created_at", offset)
	if err != nil {
		return nil, err
	}
	var out []dayCount
	err = idb.NewSelect().Model((*messageRow)(nil)).
		Join("JOIN assistant_conversations AS c ON c.id = m.conversation_id").
		ColumnExpr("? AS day, c.course_id, COUNT(*) AS n", day).
		Where("m.created_at >= ? AND m.created_at < ?", from, to).
		Where("m.role = 'user'").
		GroupExpr("?, c.course_id", day).Scan(ctx, &out)
	return out, err
}

// usageDay is a day's askers and tokens.
type usageDay struct {
	Day    string `bun:"day"`
	Askers int64  `bun:"askers"`
	Tokens int64  `bun:"tokens"`
}

// dailyUsage counts per day of [from, to) the distinct users who asked and
// the tokens the model used (prompt and completion, of every answer,
// failed ones included).
func (st store) dailyUsage(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]usageDay, error) {
	day, err := st.d.DayOf("m.created_at", offset)
	if err != nil {
		return nil, err
	}
	var out []usageDay
	err = idb.NewSelect().Model((*messageRow)(nil)).
		ColumnExpr("? AS day", day).
		ColumnExpr("COUNT(DISTINCT CASE WHEN m.role = 'user' THEN m.user_id END) AS askers").
		ColumnExpr("COALESCE(SUM(m.prompt_tokens + m.completion_tokens), 0) AS tokens").
		Where("m.created_at >= ? AND m.created_at < ?", from, to).
		GroupExpr("?", day).Scan(ctx, &out)
	return out, err
}

// conversationCount counts every conversation.
func (st store) conversationCount(ctx context.Context, idb bun.IDB) (int64, error) {
	n, err := idb.NewSelect().Model((*conversationRow)(nil)).Count(ctx)
	return int64(n), err
}
