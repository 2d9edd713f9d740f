package catalog

import "time"

// Author is a course's or curriculum's author as the catalog shows it.
type Author struct {
	ID       int64  `json:"id"`
	Nickname string `json:"nickname"`
}

// CurriculumSummary is a curriculum in lists.
type CurriculumSummary struct {
	ID          int64     `json:"id"`
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	Category    string    `json:"category"`
	SkillLevel  string    `json:"skill_level"`
	Price       int64     `json:"price" doc:"KRW."`
	AccessDays  int       `json:"access_days"`
	Tags        []string  `json:"tags"`
	Status      string    `json:"status"`
	CourseCount int       `json:"course_count"`
	Author      Author    `json:"author"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CurriculumDetail is a curriculum with its courses in roadmap order.
type CurriculumDetail struct {
	CurriculumSummary
	Description string          `json:"description" doc:"Markdown."`
	Courses     []CourseSummary `json:"courses"`
}

// CourseSummary is a course in lists.
type CourseSummary struct {
	ID             int64     `json:"id"`
	Slug           string    `json:"slug"`
	Title          string    `json:"title"`
	Summary        string    `json:"summary"`
	Category       string    `json:"category"`
	SkillLevel     string    `json:"skill_level"`
	Price          int64     `json:"price" doc:"KRW, when sold alone."`
	AccessDays     int       `json:"access_days"`
	Credits        int       `json:"credits"`
	EstimatedHours int       `json:"estimated_hours"`
	Tags           []string  `json:"tags"`
	Status         string    `json:"status"`
	Thumbnail      string    `json:"thumbnail,omitempty" doc:"The picture's reference (media:image:7, or a bundle path not imported)."`
	ThumbnailURL   string    `json:"thumbnail_url,omitempty" doc:"Where the picture is served (display size; /thumbnail for 320 px)."`
	CurriculumID   *int64    `json:"curriculum_id"`
	Position       int       `json:"position" doc:"Order in its curriculum's roadmap."`
	Author         Author    `json:"author"`
	LectureCount   int       `json:"lecture_count"`
	TopicCount     int       `json:"topic_count"`
	VideoSeconds   int       `json:"video_seconds" doc:"Total length of the course's videos."`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
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
	ID        int64         `json:"id"`
	Slug      string        `json:"slug"`
	Title     string        `json:"title"`
	Kind      string        `json:"kind" enum:"video,article,quiz,assignment"`
	Premium   bool          `json:"premium"`
	Mission   string        `json:"mission" enum:"none,midterm,final"`
	PassScore int           `json:"pass_score,omitempty"`
	Duration  int           `json:"duration,omitempty"`
	Position  int           `json:"position"`
	Locked    bool          `json:"locked" doc:"Premium content the caller is not entitled to: content is withheld."`
	Content   *TopicContent `json:"content"`
}

// TopicContent is the body of a topic, by kind.
type TopicContent struct {
	Video      string      `json:"video,omitempty"`
	Captions   string      `json:"captions,omitempty"`
	Notes      string      `json:"notes,omitempty" doc:"Markdown."`
	NotesHTML  string      `json:"notes_html,omitempty" doc:"The notes rendered to safe HTML."`
	Body       string      `json:"body,omitempty" doc:"Markdown."`
	BodyHTML   string      `json:"body_html,omitempty" doc:"The body rendered to safe HTML."`
	Questions  []Question  `json:"questions,omitempty"`
	Assignment *Assignment `json:"assignment,omitempty"`
}

// Question is a quiz question.
type Question struct {
	ID          int64    `json:"id"`
	Prompt      string   `json:"prompt"`
	Explanation string   `json:"explanation,omitempty" doc:"Editors only (learners see it after grading)."`
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
