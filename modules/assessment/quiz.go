package assessment

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// Quiz is a quiz as a learner takes it: questions with their choices in
// this attempt's order, no answers.
type Quiz struct {
	TopicID   int64  `json:"topic_id"`
	CourseID  int64  `json:"course_id"`
	Title     string `json:"title"`
	Mission   string `json:"mission" enum:"none,midterm,final"`
	PassScore int    `json:"pass_score" doc:"Percent of correct answers needed to pass."`
	Attempt   int    `json:"attempt" doc:"The number the caller's next attempt gets (send it back to refuse a double submission); 0 for visitors."`
	// AttemptsLeft is absent when attempts are not capped.
	AttemptsLeft *int           `json:"attempts_left,omitempty"`
	Questions    []QuizQuestion `json:"questions"`
	Standing     *MissionStatus `json:"standing,omitempty" doc:"The caller's standing (absent for visitors)."`
}

// QuizQuestion is a question with its five choices.
type QuizQuestion struct {
	ID         int64        `json:"id"`
	Prompt     string       `json:"prompt"`
	PromptHTML string       `json:"prompt_html"`
	Multiple   bool         `json:"multiple,omitempty" doc:"Several choices may be correct: choose every correct one (the answer is right only when it names exactly those)."`
	Choices    []QuizChoice `json:"choices"`
}

// QuizChoice is a choice of a question.
type QuizChoice struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// AttemptInput is a learner's answers.
type AttemptInput struct {
	Attempt int           `json:"attempt,omitempty" minimum:"0" maximum:"1000000" doc:"The attempt number the quiz was loaded for (Quiz.attempt): a second submission of it gets 409. 0 or absent: the next one."`
	Answers []AnswerInput `json:"answers" maxItems:"500" doc:"One answer per question; unanswered questions count as wrong."`
}

// AnswerInput answers one question.
type AnswerInput struct {
	QuestionID int64   `json:"question_id" minimum:"1"`
	ChoiceIDs  []int64 `json:"choice_ids" maxItems:"5" doc:"The chosen choice: one, or for a question marked multiple every choice believed correct. Empty: unanswered."`
}

// Attempt is a graded attempt: the score, and per question whether the
// learner's choice was right, with the explanation. The correct choice is
// not named.
type Attempt struct {
	ID        int64             `json:"id"`
	TopicID   int64             `json:"topic_id"`
	CourseID  int64             `json:"course_id"`
	Number    int               `json:"number"`
	Score     int               `json:"score" doc:"Percent of questions answered correctly."`
	Correct   int               `json:"correct"`
	Total     int               `json:"total"`
	Passed    bool              `json:"passed"`
	PassScore int               `json:"pass_score"`
	CreatedAt time.Time         `json:"created_at"`
	Questions []AttemptQuestion `json:"questions"`
}

// AttemptQuestion is how one question of an attempt went.
type AttemptQuestion struct {
	QuestionID  int64   `json:"question_id"`
	ChoiceIDs   []int64 `json:"choice_ids"`
	Correct     bool    `json:"correct"`
	Explanation string  `json:"explanation,omitempty"`
}

// Quiz returns a quiz as p takes it now.
func (s *service) Quiz(ctx context.Context, p *authz.Principal, topicID int64) (*Quiz, *mission, error) {
	return s.quiz(ctx, p, topicID, 0)
}

// quiz returns a quiz with its choices in the order of p's attempt number
// shown (0: the next one).
func (s *service) quiz(ctx context.Context, p *authz.Principal, topicID int64, shown int) (*Quiz, *mission, error) {
	m, err := s.mission(ctx, p, topicID, "quiz", "read")
	if err != nil {
		return nil, nil, err
	}
	key, err := s.keys.QuizKey(ctx, topicID)
	if err != nil {
		return nil, nil, err
	}
	q := &Quiz{TopicID: key.TopicID, CourseID: key.CourseID, Title: key.Title, Mission: key.Mission, PassScore: key.PassScore,
		Questions: make([]QuizQuestion, len(key.Questions))}
	uid := userID(p)
	if uid != 0 {
		if q.Attempt, err = s.st.nextAttempt(ctx, s.db.R, uid, topicID); err != nil {
			return nil, nil, err
		}
		if q.Standing, err = s.standingOf(ctx, uid, m.topic.TopicRef); err != nil {
			return nil, nil, err
		}
		if limit := key.MaxAttempts; limit > 0 {
			left := max(0, limit-(q.Attempt-1))
			q.AttemptsLeft = &left
		}
	}
	for i, qk := range key.Questions {
		qq := QuizQuestion{ID: qk.ID, Prompt: qk.Prompt, PromptHTML: qk.PromptHTML, Multiple: qk.Multiple,
			Choices: make([]QuizChoice, len(qk.Choices))}
		for j, id := range qk.Choices {
			qq.Choices[j] = QuizChoice{ID: id, Text: qk.ChoiceTexts[j]}
		}
		order := q.Attempt
		if shown > 0 {
			order = shown
		}
		shuffle(qq.Choices, uid, qk.ID, order)
		q.Questions[i] = qq
	}
	return q, m, nil
}

// shuffle orders a question's choices for one attempt of one user: the same
// attempt always shows the same order (a reload does not reshuffle), the
// next attempt another one.
func shuffle(cs []QuizChoice, userID, questionID int64, attempt int) {
	h := fnv.New64a()
	var b [24]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(userID))
	binary.LittleEndian.PutUint64(b[8:], uint64(questionID))
	binary.LittleEndian.PutUint64(b[16:], uint64(attempt))
	h.Write(b[:])
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(questionID)))
	r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
}

// SubmitAttempt grades p's answers to a quiz at once and stores the attempt.
func (s *service) SubmitAttempt(ctx context.Context, p *authz.Principal, topicID int64, in AttemptInput) (*Attempt, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	m, err := s.mission(ctx, p, topicID, "quiz", "take")
	if err != nil {
		return nil, err
	}
	key, err := s.keys.QuizKey(ctx, topicID)
	if err != nil {
		return nil, err
	}
	answers, results, correct, err := gradeQuiz(key, in.Answers)
	if err != nil {
		return nil, err
	}
	total := len(key.Questions)
	score := 0
	if total > 0 {
		score = (correct*100 + total/2) / total
	}
	now := s.clock.Now()
	row := &attemptRow{UserID: p.UserID, TopicID: topicID, CourseID: key.CourseID, Answers: db.JSON[[]answerRow]{V: answers},
		Results: db.JSON[[]questionResult]{V: results}, Correct: correct, Total: total, Score: score,
		Passed: total > 0 && score >= key.PassScore, CreatedAt: now}
	firstPass := false
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		next, err := s.st.nextAttempt(ctx, tx, p.UserID, topicID)
		if err != nil {
			return err
		}
		switch {
		case in.Attempt != 0 && in.Attempt != next:
			return errAttemptTaken.With(map[string]any{"attempt": in.Attempt})
		case key.MaxAttempts > 0 && next > key.MaxAttempts:
			return errNoAttemptsLeft
		}
		row.Number = next
		if err := s.st.insertAttempt(ctx, tx, row); err != nil {
			if db.IsUniqueViolation(err) { // the same attempt, sent twice at once
				return errAttemptTaken.With(map[string]any{"attempt": next})
			}
			return err
		}
		firstPass, err = s.record(ctx, tx, p.UserID, m.topic.TopicRef, row.Score, row.Passed, 0, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if row.Passed {
		s.completeTopic(ctx, p.UserID, topicID, firstPass)
	}
	return attemptOf(row, key), nil
}

// gradeQuiz checks answers against a quiz's key: every answer names a
// question of the quiz once, and choices of it: at most one, or for a
// question marked multiple each at most once. An answer is right when it
// names exactly the correct choices (no partial credit: a multiple-answer
// question is one question). It returns the answers and results in the
// quiz's order of questions.
func gradeQuiz(key *catalog.QuizKey, in []AnswerInput) ([]answerRow, []questionResult, int, error) {
	byQuestion := make(map[int64]int, len(key.Questions))
	for i, q := range key.Questions {
		byQuestion[q.ID] = i
	}
	given := make(map[int64][]int64, len(in))
	var fields []apperr.FieldError
	for i, a := range in {
		loc := fmt.Sprintf("body.answers[%d]", i)
		qi, ok := byQuestion[a.QuestionID]
		switch {
		case !ok:
			fields = append(fields, apperr.FieldError{Location: loc + ".question_id", Message: "assessment.no_such_question", Value: a.QuestionID})
			continue
		case given[a.QuestionID] != nil:
			fields = append(fields, apperr.FieldError{Location: loc + ".question_id", Message: "assessment.answered_twice", Value: a.QuestionID})
			continue
		case len(a.ChoiceIDs) > 1 && !key.Questions[qi].Multiple:
			fields = append(fields, apperr.FieldError{Location: loc + ".choice_ids", Message: "assessment.one_choice", Value: a.ChoiceIDs})
			continue
		case hasDuplicate(a.ChoiceIDs):
			fields = append(fields, apperr.FieldError{Location: loc + ".choice_ids", Message: "assessment.choice_twice", Value: a.ChoiceIDs})
			continue
		}
		for _, c := range a.ChoiceIDs {
			if !containsID(key.Questions[qi].Choices, c) {
				fields = append(fields, apperr.FieldError{Location: loc + ".choice_ids", Message: "assessment.no_such_choice", Value: c})
			}
		}
		given[a.QuestionID] = append([]int64{}, a.ChoiceIDs...)
	}
	if len(fields) > 0 {
		return nil, nil, 0, apperr.InvalidFields("request.validation", fields...)
	}
	answers := make([]answerRow, len(key.Questions))
	results := make([]questionResult, len(key.Questions))
	correct := 0
	for i, q := range key.Questions {
		chosen := given[q.ID]
		if chosen == nil {
			chosen = []int64{}
		}
		ok := sameIDs(chosen, q.Correct)
		if ok {
			correct++
		}
		answers[i] = answerRow{QuestionID: q.ID, ChoiceIDs: chosen}
		results[i] = questionResult{QuestionID: q.ID, Correct: ok}
	}
	return answers, results, correct, nil
}

func containsID(ids []int64, id int64) bool {
	return slices.Contains(ids, id)
}

// sameIDs says whether two lists without duplicates name the same ids.
func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func hasDuplicate(ids []int64) bool {
	for i, x := range ids {
		if slices.Contains(ids[:i], x) {
			return true
		}
	}
	return false
}

// attemptOf is an attempt as its learner sees it: the explanations of the
// quiz as it is now (key may be nil: none).
func attemptOf(row *attemptRow, key *catalog.QuizKey) *Attempt {
	a := &Attempt{ID: row.ID, TopicID: row.TopicID, CourseID: row.CourseID, Number: row.Number, Score: row.Score,
		Correct: row.Correct, Total: row.Total, Passed: row.Passed, CreatedAt: row.CreatedAt, Questions: []AttemptQuestion{}}
	explain := map[int64]string{}
	if key != nil {
		a.PassScore = key.PassScore
		for _, q := range key.Questions {
			explain[q.ID] = q.Explanation
		}
	}
	for i, r := range row.Results.V {
		aq := AttemptQuestion{QuestionID: r.QuestionID, Correct: r.Correct, Explanation: explain[r.QuestionID], ChoiceIDs: []int64{}}
		if i < len(row.Answers.V) {
			aq.ChoiceIDs = row.Answers.V[i].ChoiceIDs
		}
		a.Questions = append(a.Questions, aq)
	}
	return a
}

// MyAttempt returns one of p's attempts, with the quiz's explanations.
func (s *service) MyAttempt(ctx context.Context, p *authz.Principal, id int64) (*Attempt, error) {
	if p == nil {
		return nil, apperr.ErrAuthRequired
	}
	row, err := s.st.attempt(ctx, s.db.R, p.UserID, id)
	if err != nil {
		return nil, err
	}
	key, err := s.keys.QuizKey(ctx, row.TopicID)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return nil, err
	}
	return attemptOf(row, key), nil
}
