package assistant

import (
	"context"
	"time"

	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Conversation is a learner's conversation about a topic.
type Conversation struct {
	ID        int64     `json:"id"`
	TopicID   int64     `json:"topic_id"`
	CourseID  int64     `json:"course_id"`
	Title     string    `json:"title" doc:"The first question, shortened."`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Messages  []Message `json:"messages,omitempty" doc:"Oldest first (one conversation only)."`
}

// Message is a question or an answer.
type Message struct {
	ID               int64      `json:"id"`
	Role             string     `json:"role" enum:"user,assistant"`
	Content          string     `json:"content"`
	VideoSeconds     *int       `json:"video_seconds,omitempty" doc:"Where the learner was in the video (questions)."`
	Citations        []Citation `json:"citations"`
	PromptTokens     int        `json:"prompt_tokens"`
	CompletionTokens int        `json:"completion_tokens"`
	Failed           bool       `json:"failed" doc:"The answer was cut short (an error upstream, or the learner left)."`
	CreatedAt        time.Time  `json:"created_at"`
}

func conversationOf(r *conversationRow) Conversation {
	return Conversation{ID: r.ID, TopicID: r.TopicID, CourseID: r.CourseID, Title: r.Title, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt}
}

func messageOf(r *messageRow) Message {
	m := Message{ID: r.ID, Role: r.Role, Content: r.Content, Citations: r.Citations.V, PromptTokens: r.PromptTokens,
		CompletionTokens: r.CompletionTokens, Failed: r.Failed, CreatedAt: r.CreatedAt}
	if m.Citations == nil {
		m.Citations = []Citation{}
	}
	if r.VideoMS >= 0 {
		sec := int(r.VideoMS / 1000)
		m.VideoSeconds = &sec
	}
	return m
}

// Conversations lists p's conversations, latest first (of one topic when
// topicID is not 0).
func (s *service) Conversations(ctx context.Context, p *authz.Principal, topicID int64, limit, offset int) ([]Conversation, int, error) {
	if p == nil {
		return nil, 0, apperr.ErrAuthRequired
	}
	if err := s.authz.Check(p, objConversation, "list", authz.Self); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.conversations(ctx, s.db.R, p.UserID, topicID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Conversation, len(rows))
	for i := range rows {
		out[i] = conversationOf(&rows[i])
	}
	return out, n, nil
}

// Conversation returns one of p's conversations with its messages; another
// user's is not found (admins included: conversations are private).
func (s *service) Conversation(ctx context.Context, p *authz.Principal, id int64) (*Conversation, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	r, err := s.st.conversation(ctx, s.db.R, p.UserID, id)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(p, objConversation, "read", authz.Self); err != nil {
		return nil, errConversationNotFound
	}
	msgs, err := s.st.messages(ctx, s.db.R, r.ID, 0)
	if err != nil {
		return nil, err
	}
	c := conversationOf(r)
	c.Messages = make([]Message, len(msgs))
	for i := range msgs {
		c.Messages[i] = messageOf(&msgs[i])
	}
	return &c, nil
}

// panelHistory bounds the messages the topic page shows.
const panelHistory = 20

// Panel implements learning.TopicAssistant.
func (s *service) Panel(ctx context.Context, p *authz.Principal, courseID, topicID int64) (*learning.AssistantPanel, error) {
	a, err := s.topicFor(ctx, p, topicID)
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.NotFound, apperr.Forbidden, apperr.Unauthenticated:
			return nil, nil
		}
		return nil, err
	}
	if a.ref.CourseID != courseID {
		return nil, nil
	}
	q, err := s.quota(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	panel := &learning.AssistantPanel{AskURL: askPath, ModelReady: s.model != nil, MessagesLeft: q.MessagesLeft,
		TokensLeft: q.TokensLeft, ResetAt: q.ResetAt}
	conv, err := s.st.latestConversation(ctx, s.db.R, p.UserID, topicID)
	if err != nil || conv == nil {
		return panel, err
	}
	msgs, err := s.st.messages(ctx, s.db.R, conv.ID, panelHistory)
	if err != nil {
		return nil, err
	}
	panel.ConversationID = conv.ID
	for i := range msgs {
		m := messageOf(&msgs[i])
		if m.Content == "" {
			continue
		}
		pm := learning.AssistantMessage{Role: m.Role, Text: m.Content}
		for _, c := range m.Citations {
			pc := learning.AssistantCitation{TopicID: c.TopicID, Title: c.Title, URL: c.URL, Seconds: -1, Clock: c.Clock,
				Here: c.TopicID == topicID}
			if c.VideoSeconds != nil {
				pc.Seconds = *c.VideoSeconds
			}
			pm.Citations = append(pm.Citations, pc)
		}
		panel.History = append(panel.History, pm)
	}
	return panel, nil
}

// UsageDay is one day of the assistant's use, for admins.
type UsageDay struct {
	Day              string `json:"day" doc:"UTC date, YYYY-MM-DD."`
	Questions        int    `json:"questions"`
	Answers          int    `json:"answers"`
	Failed           int    `json:"failed" doc:"Answers cut short."`
	Users            int    `json:"users"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
}

// Usage is the assistant's use over the last days.
type Usage struct {
	Days             int        `json:"days"`
	Model            string     `json:"model" doc:"The configured model (empty: none, answers from passages alone)."`
	Questions        int        `json:"questions"`
	PromptTokens     int        `json:"prompt_tokens"`
	CompletionTokens int        `json:"completion_tokens"`
	ByDay            []UsageDay `json:"by_day" doc:"Latest first; days without questions are absent."`
}

// Usage returns the totals of the last days (admins).
func (s *service) Usage(ctx context.Context, p *authz.Principal, days int) (*Usage, error) {
	if err := s.authz.Check(p, objUsage, "read"); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
	rows, err := s.st.usageByDay(ctx, s.db.R, since)
	if err != nil {
		return nil, err
	}
	u := &Usage{Days: days, Model: s.modelName, ByDay: make([]UsageDay, len(rows))}
	for i, r := range rows {
		u.ByDay[i] = UsageDay(r)
		u.Questions += r.Questions
		u.PromptTokens += r.PromptTokens
		u.CompletionTokens += r.CompletionTokens
	}
	return u, nil
}
