package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/provide"
	"github.com/weaverse/weaverse/platform/testkit"
)

// These tests build the catalog alone on a real database, with a registry
// holding, beside the standard kinds, a kind and a grader registered from
// outside the catalog, as another module would.

// poll is a kind another module registers: a question with options, whose
// answer only editors see.
type poll struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Answer   int      `json:"answer"`
}

func pollKind() Kind {
	return Kind{Name: "poll", Fields: []string{"payload"},
		Validate: func(t *TopicInput) []apperr.FieldError {
			var p poll
			if err := json.Unmarshal(t.Payload, &p); err != nil {
				return []apperr.FieldError{{Location: "payload", Message: "poll.unreadable"}}
			}
			if len(p.Options) < 2 {
				return []apperr.FieldError{{Location: "payload.options", Message: "poll.two_options", Value: len(p.Options)}}
			}
			return nil
		},
		Payload: func(t *TopicInput) any { return t.Payload },
		Show: func(payload json.RawMessage, answers bool, _ func(string) string, c *TopicContent) error {
			var p poll
			if err := json.Unmarshal(payload, &p); err != nil {
				return err
			}
			if !answers {
				p.Answer = -1
			}
			var err error
			c.Payload, err = json.Marshal(p)
			return err
		},
	}
}

// pythonGrader is a grader another module registers.
func pythonGrader() Grader {
	return Grader{Name: "python", Validate: func(a *AssignmentInput) []apperr.FieldError {
		if a.Function == "" {
			return []apperr.FieldError{{Location: "function", Message: "python.function_required"}}
		}
		return nil
	}}
}

func testKinds(t testing.TB) *Kinds {
	t.Helper()
	k := StandardKinds()
	for _, g := range append(StandardGraders(), pythonGrader()) {
		testkit.Must(t, k.RegisterGrader(g))
	}
	testkit.Must(t, k.Register(pollKind()))
	return k
}

// directory is the accounts directory as the catalog reads it.
type directory struct{ accounts.Directory }

func (directory) UsersByIDs(_ context.Context, ids []int64) (map[int64]accounts.User, error) {
	out := map[int64]accounts.User{}
	for _, id := range ids {
		out[id] = accounts.User{ID: id, Nickname: fmt.Sprint("user ", id)}
	}
	return out, nil
}

// entitled enrolls every learner in every course.
type entitled struct{}

func (entitled) EntitledCourses(_ context.Context, _ int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func (entitled) CourseStatuses(context.Context, int64, []int64) (map[int64]CourseStatus, error) {
	return nil, nil
}

// newTestModule builds the catalog on d with kinds; it returns the module
// and a tutor (the author of what the test creates) and a student.
func newTestModule(t *testing.T, d *db.DB, kinds *Kinds) (m *Module, tutor, student *authz.Principal) {
	t.Helper()
	en, err := authz.New()
	testkit.Must(t, err)
	m = New(Deps{DB: d, Authz: en, Clock: clock.NewFixed(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		Users: directory{}, Kinds: kinds})
	testkit.Must(t, en.Add(m.Name(), m.Policies()))
	testkit.Must(t, errors.Join(provide.Bind[Entitlements](m, entitled{}), provide.Bind[StatusProvider](m, entitled{})))
	user := func(name string, role authz.Role) *authz.Principal {
		var id int64
		testkit.Must(t, d.W.NewRaw(`INSERT INTO accounts_users (email, email_key, nickname, nickname_key, role, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, name+"@example.com", name+"@example.com", name, name, role,
			time.Now(), time.Now()).Scan(context.Background(), &id))
		return &authz.Principal{UserID: id, Role: role}
	}
	return m, user("tutor", authz.Tutor), user("student", authz.Student)
}

func pollTopic(slug string, options ...string) TopicInput {
	payload, _ := json.Marshal(poll{Question: "어느 쪽?", Options: options, Answer: 1})
	return TopicInput{Slug: slug, Title: "투표 " + slug, Kind: "poll", Payload: payload}
}

func courseWith(slug string, topics ...TopicInput) CourseInput {
	return CourseInput{Slug: slug, Title: "강좌 " + slug, Category: "frontend", SkillLevel: "beginner", Status: "published",
		Lectures: []LectureInput{{Slug: "l", Title: "강의", Topics: topics}}}
}

// fieldErrors returns the locations and messages of a validation error.
func fieldErrors(t *testing.T, err error) string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || !errors.Is(err, apperr.Invalid) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, fe := range ae.Fields {
		out = append(out, fe.Location+" "+fe.Message)
	}
	return strings.Join(out, "\n")
}

// A kind registered from outside validates its payload, which is stored as
// it gave it and shown as it says; a grader registered from outside checks
// its assignments; an unknown kind is refused, naming the kinds there are.
func TestKindsFromOutside(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, tutor, student := newTestModule(t, d, testKinds(t))
		s := m.svc

		_, err := s.CreateCourse(ctx, tutor, courseWith("bad-poll", pollTopic("p", "하나")))
		if got := fieldErrors(t, err); got != "body.lectures[0].topics[0].payload.options poll.two_options" {
			t.Fatalf("a poll with one option: %s", got)
		}
		mixed := pollTopic("p", "가", "나")
		mixed.Body = "본문"
		_, err = s.CreateCourse(ctx, tutor, courseWith("mixed", mixed))
		if got := fieldErrors(t, err); got != "body.lectures[0].topics[0].type catalog.payload_mismatch" {
			t.Fatalf("a poll with a body: %s", got)
		}
		_, err = s.CreateCourse(ctx, tutor, courseWith("unknown", TopicInput{Slug: "x", Title: "x", Kind: "podcast"}))
		if got := fieldErrors(t, err); got != "body.lectures[0].topics[0].type catalog.not_allowed:article,assignment,poll,quiz,video" {
			t.Fatalf("an unknown kind: %s", got)
		}
		asg := TopicInput{Slug: "a", Title: "파이썬 과제", Kind: "assignment", Assignment: &AssignmentInput{
			Prompt: "더하세요", Grader: "python", StarterCode: "def add(a, b): pass",
			Tests: []AssignmentTest{{Name: "공개"}, {Name: "숨김", Hidden: true}}}}
		_, err = s.CreateCourse(ctx, tutor, courseWith("py", asg))
		if got := fieldErrors(t, err); got != "body.lectures[0].topics[0].assignment.function python.function_required" {
			t.Fatalf("a python assignment without a function: %s", got)
		}
		asg.Assignment.Function = "add"

		d1, err := s.CreateCourse(ctx, tutor, courseWith("poll-course", pollTopic("p", "가", "나"), asg))
		testkit.Must(t, err)
		var stored string
		testkit.Must(t, d.R.NewRaw("SELECT content FROM catalog_topics WHERE id = ?", d1.Lectures[0].Topics[0].ID).Scan(ctx, &stored))
		var p poll
		if err := json.Unmarshal([]byte(stored), &p); err != nil || p.Answer != 1 || len(p.Options) != 2 {
			t.Fatalf("stored payload %s: %+v, %v", stored, p, err)
		}
		if c := d1.Lectures[0].Topics[0].Content; c == nil || !strings.Contains(string(c.Payload), `"answer":1`) {
			t.Fatalf("the author's view of the poll: %+v", c)
		}
		if a := d1.Lectures[0].Topics[1].Content.Assignment; a == nil || a.Grader != "python" {
			t.Fatalf("the python assignment: %+v", a)
		}
		learner, err := s.Course(ctx, student, d1.ID)
		testkit.Must(t, err)
		if c := learner.Lectures[0].Topics[0].Content; c == nil || !strings.Contains(string(c.Payload), `"answer":-1`) {
			t.Fatalf("the learner's view of the poll: %+v", c)
		}
		// Saving the same input again changes nothing (the payload compares
		// by value, whatever the database's JSON formatting).
		before := d1.UpdatedAt
		again, err := s.ReplaceCourse(ctx, tutor, d1.ID, courseWith("poll-course", pollTopic("p", "가", "나"), asg), AnyVersion)
		testkit.Must(t, err)
		if again.Lectures[0].Topics[0].ID != d1.Lectures[0].Topics[0].ID || !again.UpdatedAt.Equal(before) {
			t.Fatalf("an unchanged save rewrote the course: %+v", again.CourseSummary)
		}
	})
}

func TestKindsRegistry(t *testing.T) {
	k := testKinds(t)
	for _, bad := range []Kind{
		pollKind(),         // twice
		{Name: "Bad Name"}, // not a name
		{Name: "empty"},    // no functions
		func() Kind { p := pollKind(); p.Name = "odd"; p.Fields = []string{"slides"}; return p }(), // no such field
		func() Kind { p := pollKind(); p.Name = "bare"; p.Fields = nil; return p }(),               // no field
	} {
		if err := k.Register(bad); err == nil {
			t.Errorf("Register(%q, %v) accepted", bad.Name, bad.Fields)
		}
	}
	if err := k.RegisterGrader(pythonGrader()); err == nil {
		t.Error("a grader registered twice")
	}
	if err := k.RegisterGrader(Grader{Name: "ruby"}); err == nil {
		t.Error("a grader without Validate")
	}
	if got := strings.Join(k.Graders(), ","); got != "javascript,sql,html,python" {
		t.Errorf("graders %s", got)
	}
	if got := strings.Join(k.Gradable(), ","); got != "assignment,quiz" {
		t.Errorf("gradable kinds %s", got)
	}
}

// The html grader's check: one check a test, the css one included, and a
// css check names a property.
func TestHTMLGraderValidate(t *testing.T) {
	var html Grader
	for _, g := range StandardGraders() {
		if g.Name == "html" {
			html = g
		}
	}
	for _, tc := range []struct {
		test AssignmentTest
		want string // "location message" of the problems, "" for none
	}{
		{AssignmentTest{Selector: "h1", CSS: &CSSCheck{Property: "color", Value: "red"}}, ""},
		{AssignmentTest{Selector: "h1", CSS: &CSSCheck{Property: "--brand"}}, ""},
		{AssignmentTest{Selector: "h1", CSS: &CSSCheck{Property: "-webkit-line-clamp", Value: "2"}}, ""},
		{AssignmentTest{Selector: "h1", CSS: &CSSCheck{Value: "red"}}, "tests[0].css.property catalog.css_property"},
		{AssignmentTest{Selector: "h1", CSS: &CSSCheck{Property: "color: red"}}, "tests[0].css.property catalog.css_property"},
		{AssignmentTest{Selector: "h1", CSS: &CSSCheck{Property: "color", Value: strings.Repeat("x", 501)}}, "tests[0].css.value catalog.too_long:500"},
		{AssignmentTest{Selector: "h1", Count: intp(1), CSS: &CSSCheck{Property: "color"}}, "tests[0].selector catalog.html_one_check"},
		{AssignmentTest{Selector: "h1"}, "tests[0].selector catalog.html_one_check"},
	} {
		var got []string
		for _, fe := range html.Validate(&AssignmentInput{Tests: []AssignmentTest{tc.test}}) {
			got = append(got, fe.Location+" "+fe.Message)
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("%+v: %v, want %q", tc.test.CSS, got, tc.want)
		}
	}
}
