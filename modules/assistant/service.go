package assistant

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/i18n"
)

// Authorization objects.
const (
	objTopic        = "assistant.topic"        // ask: a question about a topic of a course one is entitled to
	objConversation = "assistant.conversation" // read, list: one's own conversations
	objUsage        = "assistant.usage"        // read: the totals (admins)
)

// Errors.
var (
	errTopicNotFound        = apperr.New(apperr.NotFound, "assistant.topic_not_found", "assistant.topic_not_found")
	errConversationNotFound = apperr.New(apperr.NotFound, "assistant.conversation_not_found", "assistant.conversation_not_found")
	errNotEntitled          = apperr.New(apperr.Forbidden, "assistant.not_entitled", "assistant.not_entitled")
)

// MaxQuestionRunes bounds a question.
const MaxQuestionRunes = 2000

// Settings tune the assistant.
type Settings struct {
	// DailyMessages and DailyTokens are each user's quota per UTC day.
	DailyMessages int
	DailyTokens   int
	// Passages is how many passages go into a prompt; HistoryTurns how
	// many earlier messages of the conversation.
	Passages     int
	HistoryTurns int
}

func (s *Settings) defaults() {
	if s.DailyMessages <= 0 {
		s.DailyMessages = 50
	}
	if s.DailyTokens <= 0 {
		s.DailyTokens = 50000
	}
	if s.Passages <= 0 {
		s.Passages = 6
	}
	if s.HistoryTurns < 0 {
		s.HistoryTurns = 0
	}
}

// service is the module's use cases: ask.go (questions and answers),
// index.go (the passages), conversations.go (history, quota, usage).
type service struct {
	db           *db.DB
	st           store
	authz        *authz.Enforcer
	clock        clock.Clock
	logger       *slog.Logger
	i18n         *i18n.Bundle
	syllabus     catalog.Syllabus
	texts        catalog.Texts
	classroom    catalog.Classroom
	entitlements catalog.Entitlements
	transcripts  media.Transcripts
	// model answers; nil when no endpoint is configured.
	model     chatModel
	modelName string
	settings  Settings
	// indexing runs one rebuild of a course at a time per instance.
	indexing singleflight.Group
}

// askable is a topic p may ask about, with its course's outline.
type askable struct {
	ref     catalog.TopicRef
	outline *catalog.Outline
}

// topicFor loads a topic and checks that p may ask about it: 404 when p
// may not read its course (or it is not live), 403 when p is not entitled
// to the course.
func (s *service) topicFor(ctx context.Context, p *authz.Principal, topicID int64) (*askable, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	ref, err := s.syllabus.TopicRef(ctx, topicID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, errTopicNotFound
		}
		return nil, err
	}
	o, err := s.syllabus.Outline(ctx, p, ref.CourseID)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, errTopicNotFound
		}
		return nil, err
	}
	if err := s.authz.Check(p, objTopic, "ask", authz.Rels{}.If(o.Entitled, authz.Enrolled)...); err != nil {
		if apperr.KindOf(err) == apperr.Forbidden {
			return nil, errNotEntitled
		}
		return nil, err
	}
	return &askable{ref: ref, outline: o}, nil
}

// Quota is what is left of a user's daily quota.
type Quota struct {
	MessagesLeft int       `json:"messages_left"`
	TokensLeft   int       `json:"tokens_left"`
	ResetAt      time.Time `json:"reset_at" doc:"When the quota starts again (midnight UTC)."`
}

// quota returns what is left of a user's quota today.
func (s *service) quota(ctx context.Context, userID int64) (Quota, error) {
	now := s.clock.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	msgs, tokens, err := s.st.usedSince(ctx, s.db.R, userID, day)
	if err != nil {
		return Quota{}, err
	}
	return Quota{MessagesLeft: max(0, s.settings.DailyMessages-msgs), TokensLeft: max(0, s.settings.DailyTokens-tokens),
		ResetAt: day.Add(24 * time.Hour)}, nil
}

// quotaExceeded is the 429 of a spent quota, with when it resets.
func (s *service) quotaExceeded(q Quota) error {
	wait := max(time.Second, q.ResetAt.Sub(s.clock.Now()))
	return &apperr.Error{Kind: apperr.RateLimited, Code: "assistant.quota_exceeded", Msg: "assistant.quota_exceeded",
		RetryAfter: wait, Data: map[string]any{"Reset": q.ResetAt.UTC().Format("2006-01-02 15:04 UTC")}}
}

// videoIDOf reads "media:video:7".
func videoIDOf(ref string) (int64, bool) {
	s, ok := strings.CutPrefix(ref, "media:video:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// citationOf turns a passage into what an answer cites.
func (s *service) citationOf(r passageRow) Citation {
	c := Citation{TopicID: r.TopicID, CourseID: r.CourseID, Title: r.TopicTitle, Kind: r.Kind,
		URL: s.classroom.TopicURL(r.CourseID, r.TopicID)}
	if c.URL == "" {
		c.URL = fmt.Sprintf("/courses/%d", r.CourseID)
	}
	if r.StartMS >= 0 {
		sec := int(r.StartMS / 1000)
		c.VideoSeconds = &sec
		c.Clock = clockText(r.StartMS)
		c.URL += "#t=" + strconv.Itoa(sec)
	}
	return c
}

// validQuestion trims a question and checks its length.
func validQuestion(q string) (string, error) {
	q = strings.TrimSpace(q)
	switch n := utf8.RuneCountInString(q); {
	case n == 0:
		return "", apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "body.question", Message: "assistant.question_required"})
	case n > MaxQuestionRunes:
		return "", apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "body.question", Message: fmt.Sprintf("assistant.question_too_long:%d", MaxQuestionRunes), Value: n})
	}
	return q, nil
}
