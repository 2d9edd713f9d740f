package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/weaverse/weaverse/platform/apperr"
)

// KindForm is how the studio's topic editor (pages_topic.go) edits the
// content of a kind's topics: which of the editor's forms shows it, how a
// topic fills that form's fields and how the submitted fields become the
// topic's content again. The common fields (title, free or premium,
// mission, pass score) are the editor's own.
//
// Field names are flat and unambiguous ("body", "q.2.choice.3"): a list's
// items are numbered from 0 without gaps, in display order.
type KindForm struct {
	// Template is the editor's form that shows the fields: one of
	// FormTemplates, each a {{define}} of templates/topic.html. A kind of
	// another module whose content is one of those shapes may reuse it
	// ("kind_article" edits a "body").
	Template string
	// Fill sets the form's fields from a topic's content, every field it
	// shows in display order (empty ones too): errors go to the first field
	// with one, and a location without a field goes above the form.
	Fill func(t *TopicInput, set func(name, value string))
	// Read sets the kind's content of t from a submitted form: get returns a
	// field's value ("" when absent), all every value sent under a name
	// (nil when the name was not sent at all). What it cannot read (a JSON
	// value or a number that does not parse) it returns as problems located
	// like the kind's Validate ("assignment.tests[1].args"), with the
	// submitted text as Value so the form shows it again. Items left wholly
	// empty (the empty row a form offers for adding one) are dropped.
	Read func(get func(string) string, all func(string) []string, t *TopicInput) []apperr.FieldError
	// Field names the form field that shows a problem of the kind's content,
	// given its location relative to the topic ("questions[2].choices[0].
	// text" → "q.2.choice.0"); "" when no field shows it (the editor then
	// lists it above the form).
	Field func(location string) string
}

// FormTemplates are the kind forms the topic editor defines. "kind_payload"
// is the one a kind without a Form gets: its payload as JSON. "kind_video"
// is the video kind's alone: the media library attaches videos to video
// topics only.
var FormTemplates = []string{"kind_video", "kind_article", "kind_quiz", "kind_assignment", "kind_payload"}

// check checks the form of a kind registered by another module.
func (f *KindForm) check() error {
	switch {
	case f == nil:
		return nil
	case !slices.Contains(FormTemplates, f.Template) || f.Template == "kind_video":
		return fmt.Errorf("Form.Template %q is not one of the editor's forms %v (but kind_video)", f.Template, FormTemplates)
	case f.Fill == nil || f.Read == nil || f.Field == nil:
		return errors.New("Form: Fill, Read and Field are required")
	}
	return nil
}

// formOf is the form of a kind: its own, or its payload as JSON.
func formOf(k Kind) *KindForm {
	if k.Form != nil {
		return k.Form
	}
	return payloadForm()
}

// maxFormRows bounds the numbered rows (questions, tests) a form is read
// for: more than any topic may have, so validation reports "too many"
// rather than the form dropping rows silently.
const maxFormRows = 200

// maxFormChoices bounds the choices read per question.
const maxFormChoices = 20

func formID(s string) *int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return nil
	}
	return &n
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// jsonText is a value as a tutor reads and types it: compact JSON with
// <, > and & as they are.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

// ---- video ------------------------------------------------------------------

// videoForm edits a video topic's notes and shows its video: which video
// plays is chosen among the tutor's library videos and attached through
// the media library (MediaLibrary.Attach), not saved with the content, so
// Read leaves the video as it is.
func videoForm() *KindForm {
	return &KindForm{Template: "kind_video",
		Fill: func(t *TopicInput, set func(string, string)) {
			set("video", t.Video)
			set("notes", t.Notes)
		},
		Read: func(get func(string) string, _ func(string) []string, t *TopicInput) []apperr.FieldError {
			t.Notes = get("notes")
			return nil
		},
		Field: func(loc string) string {
			switch loc {
			case "notes":
				return "notes"
			case "video", "captions", "duration":
				return "video"
			}
			return ""
		},
	}
}

// ---- article ----------------------------------------------------------------

func articleForm() *KindForm {
	return &KindForm{Template: "kind_article",
		Fill: func(t *TopicInput, set func(string, string)) { set("body", t.Body) },
		Read: func(get func(string) string, _ func(string) []string, t *TopicInput) []apperr.FieldError {
			t.Body = get("body")
			return nil
		},
		Field: func(loc string) string {
			if loc == "body" {
				return "body"
			}
			return ""
		},
	}
}

// ---- quiz -------------------------------------------------------------------

// quizChoices is the number of choices a question has.
const quizChoices = 5

// quizChoiceSlots is how many choice fields question q shows: five, or
// more when it was saved with more (through the API), so that none is
// lost unseen; the extra ones, emptied, are dropped.
func quizChoiceSlots(q *QuestionInput) int { return max(quizChoices, len(q.Choices)) }

// quizForm: question i is "q.i.prompt", its choices "q.i.choice.j" (five),
// the correct ones' indexes "q.i.correct" (one radio, or checkboxes when
// "q.i.multiple" is "1"), and "q.i.explanation"; "q.i.id" and
// "q.i.choice.j.id" keep the rows' ids (attempts refer to them). Fill marks
// a correct choice with "q.i.choice.j.correct" = "1" (the template checks
// its input), and Read takes either mark.
func quizForm() *KindForm {
	return &KindForm{Template: "kind_quiz",
		Fill: func(t *TopicInput, set func(string, string)) {
			set("questions", "")
			for i := range t.Questions {
				q := &t.Questions[i]
				p := fmt.Sprintf("q.%d.", i)
				set(p+"id", idText(q.ID))
				set(p+"prompt", q.Prompt)
				set(p+"multiple", boolText(q.Multiple))
				set(p+"correct", "")
				for j := range quizChoiceSlots(q) {
					cp := fmt.Sprintf("%schoice.%d", p, j)
					if j < len(q.Choices) {
						set(cp, q.Choices[j].Text)
						set(cp+".id", idText(q.Choices[j].ID))
						set(cp+".correct", boolText(q.Choices[j].Correct))
					} else {
						set(cp, "")
						set(cp+".correct", "")
					}
				}
				set(p+"explanation", q.Explanation)
			}
		},
		Read: func(get func(string) string, all func(string) []string, t *TopicInput) []apperr.FieldError {
			t.Questions = nil
			for i := range maxFormRows {
				p := fmt.Sprintf("q.%d.", i)
				if all(p+"prompt") == nil {
					break
				}
				q := QuestionInput{ID: formID(get(p + "id")), Prompt: get(p + "prompt"), Explanation: get(p + "explanation"),
					Multiple: get(p+"multiple") == "1"}
				correct := slices.DeleteFunc(all(p+"correct"), func(s string) bool { return s == "" })
				blank := q.Prompt == "" && q.Explanation == "" && len(correct) == 0
				for j := range maxFormChoices {
					cp := fmt.Sprintf("%schoice.%d", p, j)
					if all(cp) == nil {
						break
					}
					text := get(cp)
					blank = blank && text == ""
					if j >= quizChoices && text == "" {
						continue
					}
					q.Choices = append(q.Choices, ChoiceInput{ID: formID(get(cp + ".id")), Text: text,
						Correct: slices.Contains(correct, strconv.Itoa(j)) || get(cp+".correct") == "1"})
				}
				if !blank {
					t.Questions = append(t.Questions, q)
				}
			}
			return nil
		},
		Field: quizField,
	}
}

var (
	questionLocRE = regexp.MustCompile(`^questions\[(\d+)\](?:\.(.+))?$`)
	choiceLocRE   = regexp.MustCompile(`^choices\[(\d+)\](?:\..+)?$`)
)

func quizField(loc string) string {
	if loc == "questions" {
		return "questions"
	}
	m := questionLocRE.FindStringSubmatch(loc)
	if m == nil {
		return ""
	}
	p := "q." + m[1] + "."
	switch rest := m[2]; {
	case rest == "prompt", rest == "explanation":
		return p + rest
	case rest == "choices":
		return p + "correct"
	case choiceLocRE.MatchString(rest):
		return p + "choice." + choiceLocRE.FindStringSubmatch(rest)[1]
	}
	return p + "prompt"
}

// ---- assignment -------------------------------------------------------------

// The fields a test has in the form, and the graders each serves ("" : any
// other grader, which gets every field).
var testFields = []struct {
	name    string
	graders []string
}{
	{"args", []string{"javascript", ""}},
	{"expect", []string{"javascript", "sql", ""}},
	{"setup", []string{"sql", ""}},
	{"selector", []string{"html", ""}},
	{"count", []string{"html", ""}},
	{"min_count", []string{"html", ""}},
	{"text", []string{"html", ""}},
	{"attr", []string{"html", ""}},
	{"css_property", []string{"html", ""}},
	{"css_value", []string{"html", ""}},
}

// graderKey is how testFields and the assignment form name a grader: the
// standard ones by name, any other "".
func graderKey(g string) string {
	switch g {
	case "javascript", "sql", "html":
		return g
	}
	return ""
}

// gradedBy reports whether a field serves grader g (see testFields).
func gradedBy(graders []string, g string) bool { return slices.Contains(graders, graderKey(g)) }

var (
	functionGraders = []string{"javascript", ""}
	schemaGraders   = []string{"sql", ""}
)

// assignmentForm: "prompt", "grader", "function" (javascript), "schema" and
// "ordered" (sql), "starter_code", "solution", and test i as "t.i.name",
// "t.i.hidden" and the fields of its grader (testFields): "t.i.args" (a JSON
// array), "t.i.expect" (a JSON value; sql: an array of rows), "t.i.setup",
// "t.i.selector", "t.i.count", "t.i.min_count", "t.i.text", "t.i.attr"
// (a name=value a line), "t.i.css_property" and "t.i.css_value" (the css
// check: a property alone asks for any value). Only the chosen grader's
// fields are read.
func assignmentForm() *KindForm {
	return &KindForm{Template: "kind_assignment",
		Fill: func(t *TopicInput, set func(string, string)) {
			a := t.Assignment
			if a == nil {
				a = &AssignmentInput{}
			}
			set("prompt", a.Prompt)
			set("grader", a.Grader)
			set("function", a.Function)
			set("schema", a.Schema)
			set("ordered", boolText(a.Ordered))
			set("starter_code", a.StarterCode)
			set("solution", a.Solution)
			set("tests", "")
			for i, tc := range a.Tests {
				p := fmt.Sprintf("t.%d.", i)
				set(p+"name", tc.Name)
				set(p+"hidden", boolText(tc.Hidden))
				set(p+"args", "")
				if tc.Args != nil {
					set(p+"args", jsonText(tc.Args))
				}
				set(p+"expect", "")
				if tc.Expect != nil {
					set(p+"expect", jsonText(tc.Expect))
				}
				set(p+"setup", tc.Setup)
				set(p+"selector", tc.Selector)
				set(p+"count", intText(tc.Count))
				set(p+"min_count", intText(tc.MinCount))
				set(p+"text", tc.Text)
				set(p+"attr", attrText(tc.Attr))
				css := tc.CSS
				if css == nil {
					css = &CSSCheck{}
				}
				set(p+"css_property", css.Property)
				set(p+"css_value", css.Value)
			}
		},
		Read:  readAssignment,
		Field: assignmentField,
	}
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func attrText(attr map[string]string) string {
	names := make([]string, 0, len(attr))
	for k := range attr {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "%s=%s\n", k, attr[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Messages of what a form could not read (topic.*.toml).
const (
	errJSONArray   = "catalog.page.topic.err.json_array"
	errJSONValue   = "catalog.page.topic.err.json_value"
	errJSONPayload = "catalog.page.topic.err.json_payload"
	errNumber      = "catalog.page.topic.err.number"
	errAttr        = "catalog.page.topic.err.attr"
)

func readAssignment(get func(string) string, all func(string) []string, t *TopicInput) []apperr.FieldError {
	g := get("grader")
	a := &AssignmentInput{Prompt: get("prompt"), Grader: g, StarterCode: get("starter_code"), Solution: get("solution"),
		Tests: []AssignmentTest{}}
	if gradedBy(functionGraders, g) {
		a.Function = get("function")
	}
	if gradedBy(schemaGraders, g) {
		a.Schema, a.Ordered = get("schema"), get("ordered") != ""
	}
	var errs []apperr.FieldError
	for i := range maxFormRows {
		p := fmt.Sprintf("t.%d.", i)
		if all(p+"name") == nil {
			break
		}
		tc := AssignmentTest{Name: get(p + "name"), Hidden: get(p+"hidden") != ""}
		blank := tc.Name == ""
		loc := fmt.Sprintf("assignment.tests[%d].", len(a.Tests))
		var rowErrs []apperr.FieldError
		for _, f := range testFields {
			v := get(p + f.name)
			if !gradedBy(f.graders, g) || v == "" {
				continue
			}
			blank = false
			fail := func(msg string) {
				rowErrs = append(rowErrs, apperr.FieldError{Location: loc + f.name, Message: msg, Value: v})
			}
			switch f.name {
			case "args":
				if err := json.Unmarshal([]byte(v), &tc.Args); err != nil || tc.Args == nil {
					tc.Args = nil
					fail(errJSONArray)
				}
			case "expect":
				if err := json.Unmarshal([]byte(v), &tc.Expect); err != nil {
					tc.Expect = nil
					fail(errJSONValue)
				}
			case "setup":
				tc.Setup = v
			case "selector":
				tc.Selector = v
			case "count", "min_count":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					fail(errNumber)
					continue
				}
				if f.name == "count" {
					tc.Count = &n
				} else {
					tc.MinCount = &n
				}
			case "text":
				tc.Text = v
			case "attr":
				attr, ok := parseAttr(v)
				if !ok {
					fail(errAttr)
				}
				tc.Attr = attr
			case "css_property", "css_value":
				if tc.CSS == nil {
					tc.CSS = &CSSCheck{}
				}
				if f.name == "css_property" {
					tc.CSS.Property = strings.TrimSpace(v)
				} else {
					tc.CSS.Value = strings.TrimSpace(v)
				}
			}
		}
		if blank && !tc.Hidden {
			continue
		}
		errs = append(errs, rowErrs...)
		a.Tests = append(a.Tests, tc)
	}
	t.Assignment = a
	return errs
}

// parseAttr reads "name=value" lines (blank lines skipped).
func parseAttr(s string) (map[string]string, bool) {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, false
		}
		out[k] = strings.TrimSpace(v)
	}
	if len(out) == 0 {
		return nil, true
	}
	return out, true
}

var testLocRE = regexp.MustCompile(`^assignment\.tests\[(\d+)\](?:\.([a-z_.]+))?`)

func assignmentField(loc string) string {
	switch loc {
	case "assignment":
		return "prompt"
	case "assignment.tests":
		return "tests"
	}
	if m := testLocRE.FindStringSubmatch(loc); m != nil {
		name := "name"
		switch m[2] {
		case "css", "css.property":
			m[2] = "css_property"
		case "css.value":
			m[2] = "css_value"
		}
		for _, f := range testFields {
			if f.name == m[2] {
				name = f.name
			}
		}
		if m[2] == "hidden" {
			name = "hidden"
		}
		return "t." + m[1] + "." + name
	}
	if f, ok := strings.CutPrefix(loc, "assignment."); ok {
		switch f {
		case "prompt", "grader", "function", "schema", "ordered", "starter_code", "solution":
			return f
		}
	}
	return ""
}

// ---- a kind without a form ----------------------------------------------------

// payloadForm edits a kind's payload as JSON: only kinds another module
// registers without a Form get it, and the editor labels it as advanced.
func payloadForm() *KindForm {
	return &KindForm{Template: "kind_payload",
		Fill: func(t *TopicInput, set func(string, string)) {
			var b bytes.Buffer
			if len(t.Payload) > 0 && json.Indent(&b, t.Payload, "", "  ") == nil {
				set("payload", b.String())
				return
			}
			set("payload", string(t.Payload))
		},
		Read: func(get func(string) string, _ func(string) []string, t *TopicInput) []apperr.FieldError {
			s := get("payload")
			t.Payload = nil
			if s == "" {
				return nil
			}
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(s)); err != nil {
				return []apperr.FieldError{{Location: "payload", Message: errJSONPayload, Value: s}}
			}
			t.Payload = json.RawMessage(b.Bytes())
			return nil
		},
		Field: func(loc string) string {
			if loc == "payload" || strings.HasPrefix(loc, "payload.") || strings.HasPrefix(loc, "payload[") {
				return "payload"
			}
			return ""
		},
	}
}
