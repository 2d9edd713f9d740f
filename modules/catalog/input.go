package catalog

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/weaverse/weaverse/platform/apperr"
)

// The input of the course engine: what the API's nested create and tree
// update accept, and what a course bundle (course.yaml) becomes. One
// validation serves both, so the API and `weaverse content validate` agree.

// Enumerations.
var (
	Categories  = []string{"frontend", "javascript", "backend", "database", "devops", "tools", "data", "design"}
	SkillLevels = []string{"beginner", "intermediate", "advanced"}
	Statuses    = []string{"draft", "published", "archived"}
	Missions    = []string{"none", "midterm", "final"}
)

// CurriculumInput is a curriculum (a nano-degree: courses sold together).
type CurriculumInput struct {
	Slug        string   `json:"slug,omitempty" yaml:"slug" doc:"Lower-case letters, digits and hyphens; unique."`
	Title       string   `json:"title" yaml:"title"`
	Summary     string   `json:"short_description,omitempty" yaml:"summary"`
	Description string   `json:"description,omitempty" yaml:"description" doc:"Markdown."`
	Category    string   `json:"category" yaml:"category"`
	SkillLevel  string   `json:"skill_level" yaml:"skill_level"`
	Price       int64    `json:"price" yaml:"price" doc:"KRW."`
	AccessDays  int      `json:"access_days,omitempty" yaml:"access_days" doc:"Access period after purchase, in days."`
	Tags        []string `json:"tags,omitempty" yaml:"tags"`
	Status      string   `json:"status,omitempty" yaml:"status"`
	// Courses are the slugs of the curriculum's courses, in roadmap order.
	Courses []string `json:"-" yaml:"courses"`

	aliasConflicts []string // fields given under both names (see unalias)
}

// CourseInput is a course with its whole outline.
type CourseInput struct {
	Slug           string   `json:"slug,omitempty" yaml:"slug"`
	Title          string   `json:"title" yaml:"title"`
	Summary        string   `json:"short_description,omitempty" yaml:"summary"`
	Description    string   `json:"description,omitempty" yaml:"description" doc:"Markdown."`
	Category       string   `json:"category" yaml:"category"`
	SkillLevel     string   `json:"skill_level" yaml:"skill_level"`
	Price          int64    `json:"price" yaml:"price" doc:"KRW, when sold alone."`
	AccessDays     int      `json:"access_days,omitempty" yaml:"access_days"`
	Credits        int      `json:"credits,omitempty" yaml:"credits" doc:"Credits (학점) earned on completion."`
	EstimatedHours int      `json:"estimated_hours,omitempty" yaml:"estimated_hours"`
	Tags           []string `json:"tags,omitempty" yaml:"tags"`
	Prerequisites  []string `json:"prerequisites,omitempty" yaml:"prerequisites" doc:"Slugs of courses to take first."`
	Status         string   `json:"status,omitempty" yaml:"status"`
	Thumbnail      string   `json:"thumbnail,omitempty" yaml:"thumbnail"`
	IntroVideo     string   `json:"intro_video,omitempty" yaml:"intro_video"`
	// Certificate is what the course asks for its certificate (absent: the
	// default rule, every topic and every midterm and final mission).
	Certificate CertificateRule `json:"certificate,omitempty" yaml:"certificate" doc:"What a learner must do for the course's certificate (absent: every topic, and every midterm and final mission at its pass score)."`
	Lectures    []LectureInput  `json:"lectures" yaml:"lectures"`

	aliasConflicts []string // fields given under both names (see unalias)
}

// LectureInput is a lecture. ID, when given in a tree update, keeps the
// lecture's row (and so everything attached to it).
type LectureInput struct {
	ID      *int64       `json:"id,omitempty" yaml:"-" doc:"An existing lecture to keep (tree updates)."`
	Slug    string       `json:"slug,omitempty" yaml:"slug"`
	Title   string       `json:"title" yaml:"title"`
	Summary string       `json:"summary,omitempty" yaml:"summary"`
	Topics  []TopicInput `json:"topics" yaml:"topics"`
}

// TopicInput is a topic of one of the registered kinds (Kinds). The
// standard kinds' content has named fields; a kind another module registers
// takes its content as Payload.
type TopicInput struct {
	ID          *int64           `json:"id,omitempty" yaml:"-" doc:"An existing topic to keep (tree updates): its media, progress and submissions stay."`
	Slug        string           `json:"slug,omitempty" yaml:"slug"`
	Title       string           `json:"title" yaml:"title"`
	Kind        string           `json:"type,omitempty" yaml:"kind" doc:"What the topic is (required): each kind has its own fields."`
	Premium     bool             `json:"is_premium,omitempty" yaml:"premium" doc:"Premium content is for entitled learners; the rest is a free preview."`
	Mission     string           `json:"mission,omitempty" yaml:"mission" doc:"none, midterm or final (quiz and assignment topics)."`
	PassScore   int              `json:"pass_score,omitempty" yaml:"pass_score" doc:"Percent needed to pass (quiz and assignment)."`
	MaxAttempts int              `json:"max_attempts,omitempty" yaml:"max_attempts" minimum:"0" maximum:"100" doc:"quiz: how many times a learner may take it (0 or absent: no limit)."`
	Duration    int              `json:"duration,omitempty" yaml:"duration" doc:"Video length in seconds."`
	Video       string           `json:"video,omitempty" yaml:"video" doc:"Video reference (a bundle file, or a media id once uploaded)."`
	Captions    string           `json:"captions,omitempty" yaml:"captions" doc:"WebVTT captions reference."`
	Notes       string           `json:"notes,omitempty" yaml:"notes" doc:"Markdown shown under a video."`
	Body        string           `json:"body,omitempty" yaml:"body" doc:"Markdown body of an article."`
	Questions   []QuestionInput  `json:"questions,omitempty" yaml:"questions"`
	Assignment  *AssignmentInput `json:"assignment,omitempty" yaml:"assignment"`
	Payload     json.RawMessage  `json:"payload,omitempty" yaml:"payload" doc:"The content of a topic of a kind another module registers, as that kind defines it."`

	aliasConflicts []string // fields given under both names (see unalias)
}

// QuestionInput is a multiple-choice question with five choices: one
// correct, or (Multiple) one or more.
type QuestionInput struct {
	ID          *int64        `json:"id,omitempty" yaml:"-" doc:"An existing question to keep (tree updates)."`
	Prompt      string        `json:"prompt" yaml:"prompt"`
	Explanation string        `json:"explanation,omitempty" yaml:"explanation"`
	Multiple    bool          `json:"multiple,omitempty" yaml:"multiple" doc:"Several choices may be correct: learners are told to choose every correct one, and an answer is right when it names exactly the correct ones."`
	Choices     []ChoiceInput `json:"choices" yaml:"choices"`
}

// ChoiceInput is one choice.
type ChoiceInput struct {
	ID      *int64 `json:"id,omitempty" yaml:"-" doc:"An existing choice to keep (tree updates)."`
	Text    string `json:"text" yaml:"text"`
	Correct bool   `json:"correct,omitempty" yaml:"correct"`
}

// AssignmentInput is a coding exercise graded by a named grader.
type AssignmentInput struct {
	Prompt      string           `json:"prompt" yaml:"prompt" doc:"Markdown."`
	Grader      string           `json:"grader" yaml:"grader"`
	StarterCode string           `json:"starter_code" yaml:"starter_code"`
	Solution    string           `json:"solution,omitempty" yaml:"solution" doc:"Never sent to learners."`
	Function    string           `json:"function,omitempty" yaml:"function" doc:"javascript: the function the tests call."`
	Schema      string           `json:"schema,omitempty" yaml:"schema" doc:"sql: statements run before the learner's query."`
	Ordered     bool             `json:"ordered,omitempty" yaml:"ordered" doc:"sql: whether row order matters."`
	Tests       []AssignmentTest `json:"tests" yaml:"tests"`
}

// The bounds of a course's and a curriculum's numbers, which the OpenAPI
// schema states too (see schema.go). An access period of 0 (or none)
// means the default, 730 days.
const (
	maxAttempts   = 100         // a quiz's cap on attempts
	maxPrice      = 100_000_000 // KRW
	maxAccessDays = 3650
	maxCredits    = 10
	maxHours      = 500
	maxPercent    = 100 // a certificate rule's progress and score
)

// CertificateMissions are the values of CertificateRule.Missions: every
// midterm and final mission (""), the finals only, none.
var CertificateMissions = []string{CertMissionsAll, CertMissionsFinal, CertMissionsNone}

// SlugPattern is the rule of every slug (lower-case letters and digits in
// hyphen-separated words), at most MaxSlugLength bytes long. The bundle
// loader shares it: course slugs become the folder names it opens.
const (
	SlugPattern   = `^[a-z0-9]+(-[a-z0-9]+)*$`
	MaxSlugLength = 64
)

var slugRE = regexp.MustCompile(SlugPattern)

// ValidSlug reports whether s is a slug.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLength && slugRE.MatchString(s) }

// validator collects field errors with JSON-path locations
// ("lectures[0].topics[2].questions[1].choices").
type validator struct{ errs []apperr.FieldError }

func (v *validator) add(path, msg string, value any) {
	v.errs = append(v.errs, apperr.FieldError{Location: path, Message: msg, Value: value})
}

func (v *validator) text(path, s string, min, max int) {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		v.add(path, "catalog.bad_characters", nil)
		return
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case n < min && min == 1:
		v.add(path, "catalog.required", nil)
	case n < min:
		v.add(path, fmt.Sprintf("catalog.too_short:%d", min), nil)
	case n > max:
		v.add(path, fmt.Sprintf("catalog.too_long:%d", max), nil)
	}
}

func (v *validator) slug(path, s string) {
	if !ValidSlug(s) {
		v.add(path, "catalog.slug_invalid", s)
	}
}

func (v *validator) oneOf(path, s string, allowed []string) {
	if slices.Contains(allowed, s) {
		return
	}
	v.add(path, "catalog.not_allowed:"+strings.Join(allowed, ","), s)
}

func (v *validator) between(path string, n, min, max int64) {
	if n < min || n > max {
		v.add(path, fmt.Sprintf("catalog.out_of_range:%d-%d", min, max), n)
	}
}

// Normalize fills defaults (status draft, access 730 days, mission none,
// pass score 60 for gradable kinds) before validation.
func (c *CourseInput) Normalize(kinds *Kinds) {
	if c.Status == "" {
		c.Status = "draft"
	}
	if c.AccessDays == 0 {
		c.AccessDays = 730
	}
	for i := range c.Lectures {
		for j := range c.Lectures[i].Topics {
			t := &c.Lectures[i].Topics[j]
			if t.Mission == "" {
				t.Mission = "none"
			}
			if k, ok := kinds.Get(t.Kind); ok && k.Gradable && t.PassScore == 0 {
				t.PassScore = 60
			}
		}
	}
}

// Normalize fills a curriculum's defaults.
func (c *CurriculumInput) Normalize() {
	if c.Status == "" {
		c.Status = "draft"
	}
	if c.AccessDays == 0 {
		c.AccessDays = 730
	}
}

// ValidateCurriculum returns every problem of a curriculum, located by path.
func ValidateCurriculum(c *CurriculumInput) []apperr.FieldError {
	v := &validator{}
	aliasErrors(v, "", c.aliasConflicts)
	v.slug("slug", c.Slug)
	v.text("title", c.Title, 1, 200)
	v.text("short_description", c.Summary, 0, 300)
	v.text("description", c.Description, 0, 50000)
	v.oneOf("category", c.Category, Categories)
	v.oneOf("skill_level", c.SkillLevel, SkillLevels)
	v.oneOf("status", c.Status, Statuses)
	v.between("price", c.Price, 0, maxPrice)
	v.between("access_days", int64(c.AccessDays), 1, maxAccessDays)
	validateTags(v, c.Tags)
	seen := map[string]bool{}
	for i, s := range c.Courses {
		p := fmt.Sprintf("courses[%d]", i)
		v.slug(p, s)
		if seen[s] {
			v.add(p, "catalog.duplicate", s)
		}
		seen[s] = true
	}
	return v.errs
}

func validateTags(v *validator, tags []string) {
	if len(tags) > 20 {
		v.add("tags", "catalog.too_many:20", len(tags))
	}
	for i, t := range tags {
		v.text(fmt.Sprintf("tags[%d]", i), t, 1, 30)
	}
}

// ValidateCourse returns every problem of a course and its outline, located
// by path. Each topic kind validates its own payload (see kinds.go).
//
// A course that is not published may be incomplete (see Incomplete): a
// draft is saved with an empty lecture or a quiz still without its correct
// choice, and publishing refuses it until they are written.
func ValidateCourse(c *CourseInput, kinds *Kinds) []apperr.FieldError {
	errs := courseProblems(c, kinds)
	if c.Status == statusPublished {
		return errs
	}
	return slices.DeleteFunc(errs, Incomplete)
}

// courseProblems is every problem of a course as if it were published.
func courseProblems(c *CourseInput, kinds *Kinds) []apperr.FieldError {
	v := &validator{}
	validateCourseFields(v, c)
	validateOutline(v, c, kinds)
	return v.errs
}

const statusPublished = "published"

// incompleteMessages are the problems of content not written yet.
var incompleteMessages = map[string]bool{
	"catalog.no_lectures": true, "catalog.no_topics": true, "catalog.no_questions": true,
	"catalog.five_choices": true, "catalog.one_correct": true, "catalog.some_correct": true,
	"catalog.no_visible_test": true, "catalog.no_hidden_test": true,
}

// Incomplete reports whether a problem is content a learner would need that
// is not written yet, which a draft may have: no lecture, a lecture without
// topics, a quiz without questions, five choices or its correct one, an
// empty article, question or choice, an assignment without its prompt,
// grader, starter code or tests. Bounds, shapes and names are checked on
// every save.
func Incomplete(fe apperr.FieldError) bool {
	if incompleteMessages[fe.Message] {
		return true
	}
	content := strings.HasSuffix(fe.Location, ".body") || strings.Contains(fe.Location, ".questions[") ||
		strings.Contains(fe.Location, ".assignment")
	if !content {
		return false
	}
	switch {
	case fe.Message == "catalog.required", fe.Message == "catalog.js_function" && fe.Value == "",
		strings.HasPrefix(fe.Message, "catalog.not_allowed:") && fe.Value == "":
		return true
	}
	return false
}

// ValidateCourseFields checks a course's own fields, not its outline (a
// PATCH without lectures).
func ValidateCourseFields(c *CourseInput) []apperr.FieldError {
	v := &validator{}
	validateCourseFields(v, c)
	return v.errs
}

func validateCourseFields(v *validator, c *CourseInput) {
	aliasErrors(v, "", c.aliasConflicts)
	v.slug("slug", c.Slug)
	v.text("title", c.Title, 1, 200)
	v.text("short_description", c.Summary, 0, 300)
	v.text("description", c.Description, 0, 100000)
	v.oneOf("category", c.Category, Categories)
	v.oneOf("skill_level", c.SkillLevel, SkillLevels)
	v.oneOf("status", c.Status, Statuses)
	v.between("price", c.Price, 0, maxPrice)
	v.between("access_days", int64(c.AccessDays), 1, maxAccessDays)
	v.between("credits", int64(c.Credits), 0, maxCredits)
	v.between("estimated_hours", int64(c.EstimatedHours), 0, maxHours)
	validateTags(v, c.Tags)
	validateCertificate(v, c.Certificate)
	for i, p := range c.Prerequisites {
		v.slug(fmt.Sprintf("prerequisites[%d]", i), p)
		if p == c.Slug {
			v.add(fmt.Sprintf("prerequisites[%d]", i), "catalog.self_prerequisite", p)
		}
	}
}

// validateCertificate checks a course's certificate rule: percents within
// 0–100 (0: the default) and missions one of CertificateMissions.
func validateCertificate(v *validator, r CertificateRule) {
	v.between("certificate.min_progress", int64(r.MinProgress), 0, maxPercent)
	if !slices.Contains(CertificateMissions, r.Missions) {
		v.add("certificate.missions", "catalog.certificate_missions", r.Missions)
	}
	v.between("certificate.min_score", int64(r.MinScore), 0, maxPercent)
}

func validateOutline(v *validator, c *CourseInput, kinds *Kinds) {
	if len(c.Lectures) == 0 {
		v.add("lectures", "catalog.no_lectures", nil)
	}
	if len(c.Lectures) > 200 {
		v.add("lectures", "catalog.too_many:200", len(c.Lectures))
	}
	lectureSlugs := map[string]bool{}
	missions := map[string]int{}
	for i := range c.Lectures {
		l := &c.Lectures[i]
		lp := fmt.Sprintf("lectures[%d].", i)
		v.slug(lp+"slug", l.Slug)
		if lectureSlugs[l.Slug] {
			v.add(lp+"slug", "catalog.duplicate", l.Slug)
		}
		lectureSlugs[l.Slug] = true
		v.text(lp+"title", l.Title, 1, 200)
		v.text(lp+"summary", l.Summary, 0, 500)
		if len(l.Topics) == 0 {
			v.add(lp+"topics", "catalog.no_topics", nil)
		}
		if len(l.Topics) > 100 {
			v.add(lp+"topics", "catalog.too_many:100", len(l.Topics))
		}
		topicSlugs := map[string]bool{}
		for j := range l.Topics {
			t := &l.Topics[j]
			tp := fmt.Sprintf("%stopics[%d].", lp, j)
			v.slug(tp+"slug", t.Slug)
			if topicSlugs[t.Slug] {
				v.add(tp+"slug", "catalog.duplicate", t.Slug)
			}
			topicSlugs[t.Slug] = true
			v.text(tp+"title", t.Title, 1, 200)
			aliasErrors(v, tp, t.aliasConflicts)
			if t.Kind == "" {
				v.add(tp+"type", "catalog.required", nil)
				continue
			}
			k, ok := kinds.Get(t.Kind)
			if !ok {
				v.add(tp+"type", "catalog.not_allowed:"+strings.Join(kinds.Names(), ","), t.Kind)
				continue
			}
			v.oneOf(tp+"mission", t.Mission, Missions)
			if t.Mission != "none" {
				if !k.Gradable {
					v.add(tp+"mission", "catalog.mission_not_gradable", t.Mission)
				}
				missions[t.Mission]++
				if missions[t.Mission] > 1 {
					v.add(tp+"mission", "catalog.duplicate_mission", t.Mission)
				}
			}
			if k.Gradable {
				v.between(tp+"pass_score", int64(t.PassScore), 1, 100)
			}
			if k.Attempts {
				v.between(tp+"max_attempts", int64(t.MaxAttempts), 0, maxAttempts)
			} else if t.MaxAttempts != 0 {
				v.add(tp+"max_attempts", "catalog.attempts_not_limited", t.MaxAttempts)
			}
			for _, f := range givenFields(t) {
				if !slices.Contains(k.Fields, f) {
					v.add(tp+"type", "catalog.payload_mismatch", t.Kind)
					break
				}
			}
			for _, fe := range k.Validate(t) {
				fe.Location = tp + fe.Location
				v.errs = append(v.errs, fe)
			}
		}
	}
}
