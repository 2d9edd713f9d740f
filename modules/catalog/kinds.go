package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/weaverse/weaverse/platform/apperr"
)

// Kind is a topic kind: one of the standard ones (StandardKinds) or one
// another module registers. A kind owns its topics' content: which input
// fields hold it, how they are checked, what is stored (a JSON object in
// catalog_topics.content) and what readers receive. The engine itself
// names only what it serves of the standard kinds: videos (the media module
// plays a video topic's), quiz questions (rows, which attempts refer to) and
// answer keys (AnswerKeys).
type Kind struct {
	// Name is what topics give as their kind ("video").
	Name string
	// Gradable kinds may be missions and carry a pass score (1–100).
	Gradable bool
	// Attempts says the kind's topics may cap how many times a learner
	// takes them (TopicInput.MaxAttempts): quizzes, whose questions a
	// learner could otherwise try until every answer is known.
	Attempts bool
	// Fields are the TopicInput fields, by JSON name, that hold the kind's
	// content: the standard kinds' named fields ("body"), or "payload" for a
	// kind registered by another module. A topic that fills another kind's
	// fields is refused.
	Fields []string
	// Validate checks the kind's content of a topic (a kind that takes a
	// payload decodes t.Payload). Problems are located relative to the
	// topic: "body", "payload.url", "assignment.tests[1].name".
	Validate func(t *TopicInput) []apperr.FieldError
	// Payload is what is stored of a valid topic's content, encoded as JSON
	// (t.Payload itself for a kind that keeps it as given).
	Payload func(t *TopicInput) any
	// Show fills c, what a reader of the topic receives, from the stored
	// payload. answers says whether the reader may see answer keys
	// (solutions, hidden tests): learners never do. md renders Markdown to
	// safe HTML.
	Show func(payload json.RawMessage, answers bool, md func(string) string, c *TopicContent) error
	// Form is how the studio's topic editor edits the kind's content (see
	// KindForm). A kind without one is edited as its JSON payload, in a
	// field the editor marks as advanced.
	Form *KindForm
}

// Grader is an assignment grader, registered by whoever runs it: an
// assignment names its grader, and the grader checks what it will need to
// grade the assignment (its function, schema and tests).
type Grader struct {
	Name string
	// Validate checks an assignment graded by this grader. Problems are
	// located relative to the assignment: "function", "tests[1].expect".
	Validate func(a *AssignmentInput) []apperr.FieldError
	// Run, when set, runs an assignment's tests against code (its author's
	// solution, from the studio) and reports each test's outcome in the
	// order of a.Tests. The studio offers "run the tests against my
	// solution" only for a grader that has it: none does until a module
	// that runs learners' code registers its graders.
	Run func(ctx context.Context, a *AssignmentInput, code string) ([]TestOutcome, error)
}

// TestOutcome is how one test of an assignment went (Grader.Run).
type TestOutcome struct {
	Name    string
	Passed  bool
	Message string // what went wrong, for the author
}

// Kinds is the registry of topic kinds and assignment graders. app builds
// it (StandardKinds, then what other modules provide) and hands the same
// registry to the catalog (Deps.Kinds), the bundle loader and the bundle
// schema; it is only read once the app is wired.
type Kinds struct {
	kinds   map[string]Kind
	graders []Grader // in registration order: the order they are listed in
}

// contentFields are TopicInput's content fields, by JSON name.
var contentFields = []string{"video", "captions", "notes", "body", "questions", "assignment", "payload"}

var kindNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// StandardKinds returns a registry of the standard kinds: video, article,
// quiz and assignment. Assignments accept the graders registered on it
// (RegisterGrader).
func StandardKinds() *Kinds {
	k := &Kinds{kinds: map[string]Kind{}}
	for _, kind := range []Kind{videoKind(), articleKind(), quizKind(), assignmentKind(k)} {
		k.kinds[kind.Name] = kind
	}
	return k
}

// Register adds a kind.
func (k *Kinds) Register(kind Kind) error {
	switch {
	case !kindNameRE.MatchString(kind.Name):
		return fmt.Errorf("catalog: kind %q: a name of lower-case letters, digits and _ is required", kind.Name)
	case k.kinds[kind.Name].Name != "":
		return fmt.Errorf("catalog: kind %q registered twice", kind.Name)
	case kind.Validate == nil || kind.Payload == nil || kind.Show == nil:
		return fmt.Errorf("catalog: kind %q: Validate, Payload and Show are required", kind.Name)
	case len(kind.Fields) == 0:
		return fmt.Errorf("catalog: kind %q: Fields names no content field", kind.Name)
	}
	if err := kind.Form.check(); err != nil {
		return fmt.Errorf("catalog: kind %q: %w", kind.Name, err)
	}
	for _, f := range kind.Fields {
		if !slices.Contains(contentFields, f) {
			return fmt.Errorf("catalog: kind %q: %q is not a content field of TopicInput (%v)", kind.Name, f, contentFields)
		}
	}
	k.kinds[kind.Name] = kind
	return nil
}

// RegisterGrader adds an assignment grader.
func (k *Kinds) RegisterGrader(g Grader) error {
	switch {
	case !kindNameRE.MatchString(g.Name):
		return fmt.Errorf("catalog: grader %q: a name of lower-case letters, digits and _ is required", g.Name)
	case g.Validate == nil:
		return fmt.Errorf("catalog: grader %q: Validate is required", g.Name)
	case k.grader(g.Name) != nil:
		return fmt.Errorf("catalog: grader %q registered twice", g.Name)
	}
	k.graders = append(k.graders, g)
	return nil
}

// Get returns the kind of a name.
func (k *Kinds) Get(name string) (Kind, bool) {
	kind, ok := k.kinds[name]
	return kind, ok
}

// Names lists the registered kinds, sorted.
func (k *Kinds) Names() []string {
	out := make([]string, 0, len(k.kinds))
	for n := range k.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Gradable lists the kinds that may be missions, sorted.
func (k *Kinds) Gradable() []string {
	var out []string
	for _, n := range k.Names() {
		if k.kinds[n].Gradable {
			out = append(out, n)
		}
	}
	return out
}

// Graders lists the registered graders, in registration order.
func (k *Kinds) Graders() []string {
	out := make([]string, len(k.graders))
	for i, g := range k.graders {
		out[i] = g.Name
	}
	return out
}

func (k *Kinds) grader(name string) *Grader {
	for i := range k.graders {
		if k.graders[i].Name == name {
			return &k.graders[i]
		}
	}
	return nil
}

// givenFields names the content fields a topic fills.
func givenFields(t *TopicInput) []string {
	var out []string
	for _, f := range []struct {
		name  string
		given bool
	}{
		{"video", t.Video != ""}, {"captions", t.Captions != ""}, {"notes", t.Notes != ""}, {"body", t.Body != ""},
		{"questions", len(t.Questions) > 0}, {"assignment", t.Assignment != nil}, {"payload", len(t.Payload) > 0},
	} {
		if f.given {
			out = append(out, f.name)
		}
	}
	return out
}

// show decodes a stored payload for a kind's Show. A stored payload that
// does not decode is a bug or a hand-edited row: the request fails rather
// than showing half a topic.
func show[T any](payload json.RawMessage) (T, error) {
	var v T
	if len(payload) == 0 {
		return v, nil
	}
	err := json.Unmarshal(payload, &v)
	if err != nil {
		err = fmt.Errorf("catalog: stored topic content: %w", err)
	}
	return v, err
}

// ---- the standard kinds ----------------------------------------------------

// The standard kinds' names. Video topics play a video: the media module
// attaches uploads to them (MediaGate.SetTopicVideo) and asks who may play
// them (VideoAccess). Quizzes and assignments have answer keys (AnswerKeys).
const (
	kindVideo      = "video"
	kindArticle    = "article"
	kindQuiz       = "quiz"
	kindAssignment = "assignment"
)

// videoPayload is a video topic's stored content. video stays at the top
// level: the catalog_topics_video_idx index is on content->>'video'.
type videoPayload struct {
	Video    string `json:"video,omitempty"`
	Captions string `json:"captions,omitempty"`
	Notes    string `json:"notes,omitempty"`
}

func videoKind() Kind {
	return Kind{Name: kindVideo, Fields: []string{"video", "captions", "notes"},
		Validate: func(t *TopicInput) []apperr.FieldError {
			v := &validator{}
			v.between("duration", int64(t.Duration), 0, 24*3600)
			v.text("notes", t.Notes, 0, 50000)
			return v.errs
		},
		Payload: func(t *TopicInput) any { return videoPayload{Video: t.Video, Captions: t.Captions, Notes: t.Notes} },
		Form:    videoForm(),
		Show: func(payload json.RawMessage, _ bool, md func(string) string, c *TopicContent) error {
			p, err := show[videoPayload](payload)
			c.Video, c.Captions, c.Notes, c.NotesHTML = p.Video, p.Captions, p.Notes, md(p.Notes)
			return err
		},
	}
}

type articlePayload struct {
	Body string `json:"body,omitempty"`
}

func articleKind() Kind {
	return Kind{Name: kindArticle, Fields: []string{"body"},
		Validate: func(t *TopicInput) []apperr.FieldError {
			v := &validator{}
			v.text("body", t.Body, 1, 100000)
			return v.errs
		},
		Payload: func(t *TopicInput) any { return articlePayload{Body: t.Body} },
		Form:    articleForm(),
		Show: func(payload json.RawMessage, _ bool, md func(string) string, c *TopicContent) error {
			p, err := show[articlePayload](payload)
			c.Body, c.BodyHTML = p.Body, md(p.Body)
			return err
		},
	}
}

// quizKind: a quiz's questions and choices are rows (attempts refer to
// their ids), saved and shown by the engine; its stored payload is empty.
func quizKind() Kind {
	return Kind{Name: kindQuiz, Gradable: true, Attempts: true, Fields: []string{"questions"},
		Validate: validateQuestions,
		Payload:  func(*TopicInput) any { return struct{}{} },
		Show:     func(json.RawMessage, bool, func(string) string, *TopicContent) error { return nil },
		Form:     quizForm(),
	}
}

func validateQuestions(t *TopicInput) []apperr.FieldError {
	v := &validator{}
	if len(t.Questions) == 0 {
		v.add("questions", "catalog.no_questions", nil)
	}
	if len(t.Questions) > 100 {
		v.add("questions", "catalog.too_many:100", len(t.Questions))
	}
	for i, q := range t.Questions {
		p := fmt.Sprintf("questions[%d].", i)
		v.text(p+"prompt", q.Prompt, 1, 2000)
		v.text(p+"explanation", q.Explanation, 0, 2000)
		if len(q.Choices) != 5 {
			v.add(p+"choices", "catalog.five_choices", len(q.Choices))
		}
		correct := 0
		texts := map[string]bool{}
		for j, c := range q.Choices {
			v.text(fmt.Sprintf("%schoices[%d].text", p, j), c.Text, 1, 500)
			if c.Correct {
				correct++
			}
			key := strings.TrimSpace(c.Text)
			if texts[key] && key != "" {
				v.add(fmt.Sprintf("%schoices[%d].text", p, j), "catalog.duplicate", c.Text)
			}
			texts[key] = true
		}
		switch {
		case q.Multiple && correct == 0:
			v.add(p+"choices", "catalog.some_correct", correct)
		case !q.Multiple && correct == 0: // not written yet: a draft may
			v.add(p+"choices", "catalog.one_correct", correct)
		case !q.Multiple && correct > 1: // a mistake, refused even in a draft
			v.add(p+"choices", "catalog.several_correct", correct)
		}
	}
	return v.errs
}

type assignmentPayload struct {
	Assignment AssignmentInput `json:"assignment"`
}

// assignmentKind checks assignments against the graders registered on
// graders, when the assignment is validated.
func assignmentKind(graders *Kinds) Kind {
	return Kind{Name: kindAssignment, Gradable: true, Fields: []string{"assignment"},
		Validate: func(t *TopicInput) []apperr.FieldError { return validateAssignment(graders, t.Assignment) },
		Form:     assignmentForm(),
		Payload: func(t *TopicInput) any {
			if t.Assignment == nil { // a draft's, not written yet
				return assignmentPayload{Assignment: AssignmentInput{Tests: []AssignmentTest{}}}
			}
			return assignmentPayload{Assignment: *t.Assignment}
		},
		Show: func(payload json.RawMessage, answers bool, md func(string) string, c *TopicContent) error {
			p, err := show[assignmentPayload](payload)
			a := p.Assignment
			c.Assignment = &Assignment{Prompt: a.Prompt, PromptHTML: md(a.Prompt), Grader: a.Grader,
				StarterCode: a.StarterCode, Function: a.Function, Schema: a.Schema, Ordered: a.Ordered, Tests: a.Tests}
			if answers {
				c.Assignment.Solution = a.Solution
			} else {
				c.Assignment.Tests = visibleTests(a.Tests)
			}
			return err
		},
	}
}

// visibleTests drops the hidden tests, which run but are never shown to
// learners.
func visibleTests(tests []AssignmentTest) []AssignmentTest {
	visible := tests[:0:0]
	for _, t := range tests {
		if !t.Hidden {
			visible = append(visible, t)
		}
	}
	return visible
}

func validateAssignment(graders *Kinds, a *AssignmentInput) []apperr.FieldError {
	v := &validator{}
	if a == nil {
		v.add("assignment", "catalog.required", nil)
		return v.errs
	}
	v.text("assignment.prompt", a.Prompt, 1, 50000)
	g := graders.grader(a.Grader)
	if g == nil {
		v.add("assignment.grader", "catalog.not_allowed:"+strings.Join(graders.Graders(), ","), a.Grader)
	}
	v.text("assignment.starter_code", a.StarterCode, 1, 50000)
	v.text("assignment.solution", a.Solution, 0, 50000)
	visible, hidden := 0, 0
	names := map[string]bool{}
	for i, tc := range a.Tests {
		p := fmt.Sprintf("assignment.tests[%d].", i)
		v.text(p+"name", tc.Name, 1, 200)
		if names[tc.Name] {
			v.add(p+"name", "catalog.duplicate", tc.Name)
		}
		names[tc.Name] = true
		if tc.Hidden {
			hidden++
		} else {
			visible++
		}
	}
	if g != nil {
		for _, fe := range g.Validate(a) {
			fe.Location = "assignment." + fe.Location
			v.errs = append(v.errs, fe)
		}
	}
	if visible == 0 {
		v.add("assignment.tests", "catalog.no_visible_test", nil)
	}
	if hidden == 0 {
		v.add("assignment.tests", "catalog.no_hidden_test", nil)
	}
	return v.errs
}

// ---- the standard graders ----------------------------------------------------

var jsIdentRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// cssPropertyRE is a CSS property's name: standard (font-size), vendor
// (-webkit-box) or custom (--brand).
var cssPropertyRE = regexp.MustCompile(`^(?:--|-?)[A-Za-z_][A-Za-z0-9_-]{0,99}$`)

// StandardGraders are the javascript, sql and html graders' checks of the
// assignments they grade, for whoever registers those graders.
func StandardGraders() []Grader {
	return []Grader{
		{Name: "javascript", Validate: func(a *AssignmentInput) []apperr.FieldError {
			v := &validator{}
			if !jsIdentRE.MatchString(a.Function) {
				v.add("function", "catalog.js_function", a.Function)
			}
			for i, tc := range a.Tests {
				if tc.Args == nil {
					v.add(fmt.Sprintf("tests[%d].args", i), "catalog.required", nil)
				}
			}
			return v.errs
		}},
		{Name: "sql", Validate: func(a *AssignmentInput) []apperr.FieldError {
			v := &validator{}
			v.text("schema", a.Schema, 1, 100000)
			for i, tc := range a.Tests {
				if _, ok := tc.Expect.([]any); !ok {
					v.add(fmt.Sprintf("tests[%d].expect", i), "catalog.sql_rows", nil)
				}
			}
			return v.errs
		}},
		{Name: "html", Validate: func(a *AssignmentInput) []apperr.FieldError {
			v := &validator{}
			for i, tc := range a.Tests {
				p := fmt.Sprintf("tests[%d].", i)
				v.text(p+"selector", tc.Selector, 1, 500)
				checks := 0
				for _, set := range []bool{tc.Count != nil, tc.MinCount != nil, tc.Text != "", len(tc.Attr) > 0, tc.CSS != nil} {
					if set {
						checks++
					}
				}
				if checks != 1 {
					v.add(p+"selector", "catalog.html_one_check", checks)
				}
				if c := tc.CSS; c != nil {
					if !cssPropertyRE.MatchString(c.Property) {
						v.add(p+"css.property", "catalog.css_property", c.Property)
					}
					v.text(p+"css.value", c.Value, 0, 500)
				}
			}
			return v.errs
		}},
	}
}
