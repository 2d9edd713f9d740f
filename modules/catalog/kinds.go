package catalog

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Kind is a topic kind. A new kind of exercise is one Kind registered in
// one place (NewKinds); nothing else in the engine switches on kind names.
type Kind struct {
	Name string
	// Gradable kinds may be missions and carry a pass score.
	Gradable bool
	// Validate checks the kind's own fields of a topic.
	Validate func(v *validator, t *TopicInput)
	// Redact removes from a topic's content what learners never receive
	// (answers, explanations before grading, hidden tests, solutions).
	Redact func(c *TopicContent)
}

// Kinds is the registry of topic kinds.
type Kinds struct{ byName map[string]Kind }

// Get returns the kind of a name.
func (k *Kinds) Get(name string) (Kind, bool) {
	kind, ok := k.byName[name]
	return kind, ok
}

// Names lists the registered kinds, sorted.
func (k *Kinds) Names() []string {
	out := make([]string, 0, len(k.byName))
	for n := range k.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Graders lists the assignment graders the engine accepts; the missions
// module runs them.
var Graders = []string{"javascript", "sql", "html"}

// NewKinds returns the standard kinds: video, article, quiz, assignment.
func NewKinds() *Kinds {
	ks := &Kinds{byName: map[string]Kind{}}
	for _, k := range []Kind{
		{Name: "video", Validate: validateVideo, Redact: func(*TopicContent) {}},
		{Name: "article", Validate: validateArticle, Redact: func(*TopicContent) {}},
		{Name: "quiz", Gradable: true, Validate: validateQuiz, Redact: redactQuiz},
		{Name: "assignment", Gradable: true, Validate: validateAssignment, Redact: redactAssignment},
	} {
		ks.byName[k.Name] = k
	}
	return ks
}

var jsIdentRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func redactQuiz(c *TopicContent) {
	for i := range c.Questions {
		c.Questions[i].Explanation = ""
		for j := range c.Questions[i].Choices {
			c.Questions[i].Choices[j].IsCorrect = nil
		}
	}
}

func redactAssignment(c *TopicContent) {
	a := c.Assignment
	if a == nil {
		return
	}
	a.Solution = ""
	visible := a.Tests[:0:0]
	for _, t := range a.Tests {
		if !t.Hidden {
			visible = append(visible, t)
		}
	}
	a.Tests = visible
}

func validateVideo(v *validator, t *TopicInput) {
	v.between("duration", int64(t.Duration), 0, 24*3600)
	v.text("notes", t.Notes, 0, 50000)
	if t.Body != "" || len(t.Questions) > 0 || t.Assignment != nil {
		v.add("kind", "catalog.payload_mismatch", t.Kind)
	}
}

func validateArticle(v *validator, t *TopicInput) {
	v.text("body", t.Body, 1, 100000)
	if t.Video != "" || len(t.Questions) > 0 || t.Assignment != nil {
		v.add("kind", "catalog.payload_mismatch", t.Kind)
	}
}

func validateQuiz(v *validator, t *TopicInput) {
	v.between("pass_score", int64(t.PassScore), 1, 100)
	if t.Assignment != nil || t.Body != "" {
		v.add("kind", "catalog.payload_mismatch", t.Kind)
	}
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
		if correct != 1 {
			v.add(p+"choices", "catalog.one_correct", correct)
		}
	}
}

func validateAssignment(v *validator, t *TopicInput) {
	v.between("pass_score", int64(t.PassScore), 1, 100)
	if len(t.Questions) > 0 || t.Body != "" {
		v.add("kind", "catalog.payload_mismatch", t.Kind)
	}
	a := t.Assignment
	if a == nil {
		v.add("assignment", "catalog.required", nil)
		return
	}
	v.text("assignment.prompt", a.Prompt, 1, 50000)
	v.oneOf("assignment.grader", a.Grader, Graders)
	v.text("assignment.starter_code", a.StarterCode, 1, 50000)
	v.text("assignment.solution", a.Solution, 0, 50000)
	switch a.Grader {
	case "javascript":
		if !jsIdentRE.MatchString(a.Function) {
			v.add("assignment.function", "catalog.js_function", a.Function)
		}
	case "sql":
		v.text("assignment.schema", a.Schema, 1, 100000)
	}
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
		switch a.Grader {
		case "javascript":
			if tc.Args == nil {
				v.add(p+"args", "catalog.required", nil)
			}
		case "sql":
			if _, ok := tc.Expect.([]any); !ok {
				v.add(p+"expect", "catalog.sql_rows", nil)
			}
		case "html":
			v.text(p+"selector", tc.Selector, 1, 500)
			checks := 0
			if tc.Count != nil {
				checks++
			}
			if tc.MinCount != nil {
				checks++
			}
			if tc.Text != "" {
				checks++
			}
			if len(tc.Attr) > 0 {
				checks++
			}
			if checks != 1 {
				v.add(p+"selector", "catalog.html_one_check", checks)
			}
		}
	}
	if visible == 0 {
		v.add("assignment.tests", "catalog.no_visible_test", nil)
	}
	if hidden == 0 {
		v.add("assignment.tests", "catalog.no_hidden_test", nil)
	}
}
