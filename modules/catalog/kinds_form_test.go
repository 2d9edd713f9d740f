package catalog

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/platform/apperr"
)

// formValues is a submitted form as KindForm.Read reads it.
type formValues map[string][]string

func (f formValues) get(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (f formValues) all(name string) []string { return f[name] }

// filled is what Fill sets, as a submitted form.
func filled(kf *KindForm, t *TopicInput) (formValues, []string) {
	out := formValues{}
	var order []string
	kf.Fill(t, func(name, value string) {
		if _, ok := out[name]; !ok {
			order = append(order, name)
		}
		out[name] = []string{value}
	})
	return out, order
}

func id(n int64) *int64 { return &n }

func intp(n int) *int { return &n }

// What a form shows of a topic reads back as the same topic.
func TestKindFormsRoundTrip(t *testing.T) {
	k := StandardKinds()
	for _, tc := range []struct {
		kind string
		in   TopicInput
	}{
		{kindArticle, TopicInput{Body: "## 본문\n\n내용"}},
		{kindVideo, TopicInput{Notes: "노트", Video: "media:video:3"}},
		{kindQuiz, TopicInput{Questions: []QuestionInput{
			{ID: id(7), Prompt: "첫 문제", Explanation: "해설", Choices: []ChoiceInput{{ID: id(1), Text: "가"}, {ID: id(2), Text: "나", Correct: true},
				{ID: id(3), Text: "다"}, {ID: id(4), Text: "라"}, {ID: id(5), Text: "마"}}},
			{Prompt: "둘째", Choices: []ChoiceInput{{Text: "1"}, {Text: "2"}, {Text: "3"}, {Text: "4"}, {Text: "5"}, {Text: "6", Correct: true}}},
			{Prompt: "여럿", Multiple: true, Choices: []ChoiceInput{{Text: "1", Correct: true}, {Text: "2"}, {Text: "3", Correct: true}, {Text: "4"}, {Text: "5", Correct: true}}},
		}}},
		{kindAssignment, TopicInput{Assignment: &AssignmentInput{Prompt: "p", Grader: "javascript", StarterCode: "s", Solution: "x", Function: "f",
			Tests: []AssignmentTest{{Name: "a", Args: []any{1.0, "<b>", []any{true}}, Expect: map[string]any{"k": "v"}}, {Name: "b", Hidden: true, Args: []any{}}}}}},
		{kindAssignment, TopicInput{Assignment: &AssignmentInput{Prompt: "p", Grader: "sql", StarterCode: "s", Schema: "CREATE TABLE t (x int);", Ordered: true,
			Tests: []AssignmentTest{{Name: "rows", Expect: []any{[]any{1.0, "kim"}}, Setup: "INSERT INTO t VALUES (1);"}}}}},
		{kindAssignment, TopicInput{Assignment: &AssignmentInput{Prompt: "p", Grader: "html", StarterCode: "s",
			Tests: []AssignmentTest{{Name: "n", Selector: "nav a", Count: intp(3)}, {Name: "m", Selector: "a", MinCount: intp(0)},
				{Name: "t", Selector: "h1", Text: "안녕"}, {Name: "at", Selector: "a", Attr: map[string]string{"href": "/about", "rel": "a=b"}},
				{Name: "css", Selector: "header h1", CSS: &CSSCheck{Property: "color", Value: "#f00 !important"}},
				{Name: "css any", Hidden: true, Selector: "p", CSS: &CSSCheck{Property: "--brand"}}}}}},
	} {
		kind, _ := k.Get(tc.kind)
		form, _ := filled(kind.Form, &tc.in)
		var out TopicInput
		if tc.kind == kindVideo {
			out.Video = tc.in.Video // kept by the editor: the video form does not write it
		}
		if errs := kind.Form.Read(form.get, form.all, &out); len(errs) > 0 {
			t.Fatalf("%s: %v", tc.kind, errs)
		}
		if !reflect.DeepEqual(out, tc.in) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.kind, out, tc.in)
		}
	}
}

// Read drops the empty row offered for adding one, reads only the chosen
// grader's fields, and returns what it cannot read, as typed.
func TestKindFormsRead(t *testing.T) {
	k := StandardKinds()
	quiz, _ := k.Get(kindQuiz)
	form := formValues{
		"q.0.prompt": {"문제"}, "q.0.correct": {"4"}, "q.0.id": {"abc"},
		"q.0.choice.0": {"a"}, "q.0.choice.1": {"b"}, "q.0.choice.2": {""}, "q.0.choice.3": {"d"}, "q.0.choice.4": {"e"}, "q.0.choice.4.id": {"-3"},
		"q.1.prompt": {""}, "q.1.explanation": {""}, "q.1.choice.0": {""}, "q.1.choice.1": {""},
		"q.2.prompt": {"after the empty one"}, "q.2.multiple": {"1"}, "q.2.correct": {"0", "3", "nine"},
		"q.2.choice.0": {"a"}, "q.2.choice.1": {"b"}, "q.2.choice.2": {"c"}, "q.2.choice.3": {"d"}, "q.2.choice.4": {"e"},
		"q.4.prompt": {"after a gap: not read"},
	}
	var q TopicInput
	quiz.Form.Read(form.get, form.all, &q)
	if len(q.Questions) != 2 || q.Questions[0].ID != nil || len(q.Questions[0].Choices) != 5 || !q.Questions[0].Choices[4].Correct ||
		q.Questions[0].Choices[4].ID != nil || q.Questions[0].Multiple || q.Questions[1].Prompt != "after the empty one" ||
		!q.Questions[1].Multiple || len(q.Questions[1].Choices) != 5 || !q.Questions[1].Choices[0].Correct ||
		q.Questions[1].Choices[1].Correct || !q.Questions[1].Choices[3].Correct || q.Questions[1].Choices[4].Correct {
		t.Fatalf("quiz read: %+v", q.Questions)
	}

	asg, _ := k.Get(kindAssignment)
	form = formValues{"prompt": {"p"}, "grader": {"html"}, "function": {"ignored"}, "schema": {"ignored"}, "ordered": {"1"},
		"t.0.name": {"n"}, "t.0.selector": {"a"}, "t.0.count": {"x"}, "t.0.args": {"[1"},
		"t.1.name": {""}, "t.1.selector": {""},
		"t.2.name": {""}, "t.2.hidden": {"1"},
		"t.3.name": {"at"}, "t.3.attr": {"href"},
		"t.4.name": {"neg"}, "t.4.min_count": {"-1"},
		"t.5.name": {"css"}, "t.5.css_value": {" red "}, "t.5.args": {"[1]"},
	}
	var a TopicInput
	errs := asg.Form.Read(form.get, form.all, &a)
	got := map[string]any{}
	for _, fe := range errs {
		got[fe.Location+" "+fe.Message] = fe.Value
	}
	want := map[string]any{
		"assignment.tests[0].count " + errNumber:     "x",
		"assignment.tests[2].attr " + errAttr:        "href",
		"assignment.tests[3].min_count " + errNumber: "-1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	as := a.Assignment
	if as.Function != "" || as.Schema != "" || as.Ordered || len(as.Tests) != 5 || as.Tests[0].Args != nil || !as.Tests[1].Hidden {
		t.Fatalf("assignment read: %+v", as)
	}
	if c := as.Tests[4].CSS; c == nil || *c != (CSSCheck{Value: "red"}) || as.Tests[4].Args != nil {
		t.Fatalf("css read: %+v", as.Tests[4])
	}

	form = formValues{"grader": {"javascript"}, "t.0.name": {"x"}, "t.0.args": {"3"}, "t.0.expect": {"안녕"}, "t.1.name": {"y"}, "t.1.args": {"null"}}
	errs = asg.Form.Read(form.get, form.all, &a)
	if len(errs) != 3 || errs[0].Message != errJSONArray || errs[1].Message != errJSONValue || errs[1].Value != "안녕" || errs[2].Message != errJSONArray {
		t.Fatalf("javascript errors: %+v", errs)
	}
}

func TestKindFormFields(t *testing.T) {
	for loc, want := range map[string]string{
		"questions": "questions", "questions[2].prompt": "q.2.prompt", "questions[0].choices": "q.0.correct",
		"questions[1].choices[4].text": "q.1.choice.4", "questions[1].choices[3]": "q.1.choice.3", "questions[3].id": "q.3.prompt",
		"questions[1].explanation": "q.1.explanation", "title": "",
	} {
		if got := quizField(loc); got != want {
			t.Errorf("quiz %q → %q, want %q", loc, got, want)
		}
	}
	for loc, want := range map[string]string{
		"assignment.prompt": "prompt", "assignment.function": "function", "assignment.tests": "tests",
		"assignment.tests[1].name": "t.1.name", "assignment.tests[0].args": "t.0.args", "assignment.tests[2].selector": "t.2.selector",
		"assignment.tests[2]": "t.2.name", "assignment.tests[3].weird": "t.3.name", "assignment.grader": "grader", "assignment": "prompt",
		"assignment.other": "", "assignment.tests[4].css.property": "t.4.css_property", "assignment.tests[4].css.value": "t.4.css_value",
		"assignment.tests[4].css": "t.4.css_property",
	} {
		if got := assignmentField(loc); got != want {
			t.Errorf("assignment %q → %q, want %q", loc, got, want)
		}
	}
	if payloadForm().Field("payload.options") != "payload" || payloadForm().Field("body") != "" {
		t.Error("payload fields")
	}
}

// A kind's form must be one the editor has, with all its parts.
func TestRegisterKindForm(t *testing.T) {
	k := StandardKinds()
	base := pollKind()
	for name, f := range map[string]*KindForm{
		"unknown": {Template: "kind_poll", Fill: articleForm().Fill, Read: articleForm().Read, Field: articleForm().Field},
		"no read": {Template: "kind_article", Fill: articleForm().Fill, Field: articleForm().Field},
		"video":   videoForm(),
	} {
		kind := base
		kind.Name, kind.Form = "bad_"+strings.ReplaceAll(name, " ", "_"), f
		if err := k.Register(kind); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	reading := Kind{Name: "reading", Fields: []string{"body"}, Form: articleForm(),
		Validate: func(*TopicInput) []apperr.FieldError { return nil }, Payload: func(t *TopicInput) any { return t.Body },
		Show: func(json.RawMessage, bool, func(string) string, *TopicContent) error { return nil }}
	if err := k.Register(reading); err != nil {
		t.Fatal(err)
	}
	if formOf(base).Template != "kind_payload" || formOf(reading).Template != "kind_article" {
		t.Error("formOf")
	}
}

// Reading any form never fails, and what a form shows of what it read
// reads back the same.
func FuzzKindFormRead(f *testing.F) {
	f.Add("q.0.prompt=a&q.0.choice.0=b&q.0.correct=0&t.0.name=x&t.0.args=[1]&grader=javascript", "")
	f.Add("grader=html&t.0.name=n&t.0.attr=a%3Db%0Ac&t.0.count=2&q.0.prompt=&q.0.choice.7=z", "x")
	f.Add("grader=sql&t.0.expect=[[1]]&t.0.setup=s&payload={}&q.0.id=3&q.0.choice.0.id=9", "")
	f.Add("grader=html&t.0.name=c&t.0.selector=h1&t.0.css_property=%20color&t.0.css_value=red%20!important&t.1.name=d&t.1.css_value=x", "")
	k := StandardKinds()
	f.Fuzz(func(t *testing.T, query, extra string) {
		vals, err := parseQuery(query)
		if err != nil {
			return
		}
		if extra != "" {
			vals["t.0.name"] = append(vals["t.0.name"], extra)
		}
		for _, name := range []string{kindQuiz, kindAssignment, kindArticle, kindVideo} {
			kind, _ := k.Get(name)
			// What a form reads, shown and read again, then again, stays as it
			// was the first time it was shown.
			var first TopicInput
			kind.Form.Read(vals.get, vals.all, &first)
			again := func(in TopicInput) TopicInput {
				form, _ := filled(kind.Form, &in)
				var out TopicInput
				if errs := kind.Form.Read(form.get, form.all, &out); len(errs) > 0 {
					t.Fatalf("%s: reading a filled form: %v", name, errs)
				}
				return out
			}
			second := again(first)
			if third := again(second); jsonOf(second) != jsonOf(third) {
				t.Fatalf("%s: read %s, then %s", name, jsonOf(second), jsonOf(third))
			}
		}
		var p TopicInput
		payloadForm().Read(vals.get, vals.all, &p)
	})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func parseQuery(q string) (formValues, error) {
	vals, err := url.ParseQuery(q)
	if err != nil {
		return nil, err
	}
	out := formValues{}
	for k, vs := range vals {
		for _, v := range vs {
			// As the editor's reader gives them: one line trimmed, several
			// without trailing space.
			if !strings.Contains(v, "\n") {
				v = strings.TrimSpace(v)
			} else {
				v = strings.TrimRight(v, " \t\n")
			}
			out[k] = append(out[k], v)
		}
	}
	return out, nil
}
