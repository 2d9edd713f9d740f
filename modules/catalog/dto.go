package catalog

import "encoding/json"

// CurriculumDetail is a curriculum with its courses in roadmap order.
type CurriculumDetail struct {
	CurriculumSummary
	Description string          `json:"description" doc:"Markdown."`
	Courses     []CourseSummary `json:"courses"`
}

// CourseRef names another course.
type CourseRef struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// CourseDetail is a course with its outline. Premium topics' content is
// present only for callers entitled to the course.
type CourseDetail struct {
	CourseSummary
	Description   string      `json:"description" doc:"Markdown."`
	IntroVideo    string      `json:"intro_video,omitempty"`
	Prerequisites []CourseRef `json:"prerequisites"`
	Entitled      bool        `json:"entitled" doc:"Whether the caller may see premium content."`
	Editable      bool        `json:"editable" doc:"Whether the caller may edit the course (its author or an admin)."`
	Version       int64       `json:"version" doc:"Counts the course's saves; its ETag names it, for If-Match."`
	Lectures      []Lecture   `json:"lectures"`
}

// Lecture is a lecture of the outline.
type Lecture struct {
	ID       int64   `json:"id"`
	Slug     string  `json:"slug"`
	Title    string  `json:"title"`
	Summary  string  `json:"summary,omitempty"`
	Position int     `json:"position"`
	Topics   []Topic `json:"topics"`
}

// Topic is a topic of the outline. Content is null when withheld (Locked).
type Topic struct {
	ID        int64  `json:"id"`
	Slug      string `json:"slug"`
	Title     string `json:"title"`
	Kind      string `json:"type" doc:"One of the kinds this server registers."`
	Premium   bool   `json:"is_premium"`
	Mission   string `json:"mission" enum:"none,midterm,final"`
	PassScore int    `json:"pass_score,omitempty"`
	// MaxAttempts caps a learner's attempts of a quiz (absent: no cap).
	MaxAttempts int           `json:"max_attempts,omitempty"`
	Duration    int           `json:"duration,omitempty"`
	Position    int           `json:"position"`
	Locked      bool          `json:"locked" doc:"Premium content the caller is not entitled to: content is withheld."`
	Content     *TopicContent `json:"content" doc:"null when withheld (locked)."`
}

// TopicContent is the body of a topic, by kind: the standard kinds' named
// fields, or the Payload of a kind another module registers.
type TopicContent struct {
	// The schema says null too: a locked topic's content is null, and the
	// field is always present (huma refuses nullable on a field that names
	// an object schema, so the object's own schema admits null).
	_ struct{} `nullable:"true"`

	Video      string          `json:"video,omitempty"`
	Captions   string          `json:"captions,omitempty"`
	Notes      string          `json:"notes,omitempty" doc:"Markdown."`
	NotesHTML  string          `json:"notes_html,omitempty" doc:"The notes rendered to safe HTML."`
	Body       string          `json:"body,omitempty" doc:"Markdown."`
	BodyHTML   string          `json:"body_html,omitempty" doc:"The body rendered to safe HTML."`
	Questions  []Question      `json:"questions,omitempty"`
	Assignment *Assignment     `json:"assignment,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty" doc:"A kind registered by another module: its content, as that kind shows it."`
}

// Question is a quiz question.
type Question struct {
	ID          int64    `json:"id"`
	Prompt      string   `json:"prompt"`
	Explanation string   `json:"explanation,omitempty" doc:"Editors only (learners see it after grading)."`
	Multiple    bool     `json:"multiple,omitempty" doc:"Several choices may be correct: choose every correct one."`
	Choices     []Choice `json:"choices"`
}

// Choice is an answer choice. IsCorrect is sent to editors only.
type Choice struct {
	ID        int64  `json:"id"`
	Text      string `json:"text"`
	IsCorrect *bool  `json:"is_correct,omitempty"`
}

// Assignment is a coding exercise. Hidden tests and the solution are sent to
// editors only.
type Assignment struct {
	Prompt      string           `json:"prompt"`
	PromptHTML  string           `json:"prompt_html,omitempty"`
	Grader      string           `json:"grader"`
	StarterCode string           `json:"starter_code"`
	Function    string           `json:"function,omitempty"`
	Schema      string           `json:"schema,omitempty"`
	Ordered     bool             `json:"ordered,omitempty"`
	Solution    string           `json:"solution,omitempty"`
	Tests       []AssignmentTest `json:"tests"`
}
