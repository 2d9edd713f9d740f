package catalog

import "context"

var _ AnswerKeys = (*service)(nil)

// AnswerKeys returns what the grading module reads of quizzes and
// assignments: their answers, hidden tests and solutions (see AnswerKeys).
func (m *Module) AnswerKeys() AnswerKeys { return m.svc }

// QuizKey implements AnswerKeys.
func (s *service) QuizKey(ctx context.Context, topicID int64) (*QuizKey, error) {
	t, err := s.st.keyedTopic(ctx, s.db.R, topicID, kindQuiz)
	if err != nil {
		return nil, err
	}
	qs, choices, err := s.st.questions(ctx, s.db.R, []int64{t.ID})
	if err != nil {
		return nil, err
	}
	key := &QuizKey{TopicID: t.ID, CourseID: t.CourseID, Title: t.Title, Mission: t.Mission, Premium: t.Premium,
		PassScore: t.PassScore, MaxAttempts: t.MaxAttempts, Questions: make([]QuestionKey, len(qs))}
	for i, q := range qs {
		qk := QuestionKey{ID: q.ID, Prompt: q.Prompt, PromptHTML: s.render(q.Prompt), Explanation: q.Explanation,
			Multiple: q.Multiple, Choices: []int64{}, ChoiceTexts: []string{}, Correct: []int64{}}
		for _, c := range choices[q.ID] {
			qk.Choices = append(qk.Choices, c.ID)
			qk.ChoiceTexts = append(qk.ChoiceTexts, c.Text)
			if c.IsCorrect {
				qk.Correct = append(qk.Correct, c.ID)
			}
		}
		key.Questions[i] = qk
	}
	return key, nil
}

// AssignmentKey implements AnswerKeys.
func (s *service) AssignmentKey(ctx context.Context, topicID int64) (*AssignmentKey, error) {
	t, err := s.st.keyedTopic(ctx, s.db.R, topicID, kindAssignment)
	if err != nil {
		return nil, err
	}
	p, err := show[assignmentPayload](t.Content.V)
	if err != nil {
		return nil, err
	}
	a := p.Assignment
	return &AssignmentKey{TopicID: t.ID, CourseID: t.CourseID, Title: t.Title, Mission: t.Mission, Premium: t.Premium,
		Prompt: a.Prompt, PromptHTML: s.render(a.Prompt), StarterCode: a.StarterCode, PassScore: t.PassScore, Grader: a.Grader,
		Function: a.Function, Schema: a.Schema, Ordered: a.Ordered, Solution: a.Solution, Tests: a.Tests}, nil
}
