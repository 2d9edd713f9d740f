package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// enrolledEverywhere entitles every learner to every course.
type enrolledEverywhere struct{}

func (enrolledEverywhere) EntitledCourses(_ context.Context, _ int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Reading is a casbin decision on the row's relations: a draft is for its
// author and admins (404 to everyone else, who may not know it exists),
// premium content for those enrolled and the course's editors, answer keys
// for the editors alone.
func TestReadPolicies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		author := newUser(t, ta, "author", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		admin := newUser(t, ta, "admin", "admin")

		draft := sampleCourse("draft", "초안", 2, 4)
		draft["status"] = "draft"
		id := create(t, ta, author, draft)
		api, page := fmt.Sprintf("/api/courses/%d/", id), fmt.Sprintf("/courses/%d", id)
		for name, u := range map[string]*user{"anonymous": nil, "student": &student, "other tutor": &other} {
			var hdr []string
			if u != nil {
				hdr = as(*u)
			}
			ta.Get(api, hdr...).Problem(404, "catalog.course_not_found")
			pagesAs(ta, u).get(page).Status(404)
			if u != nil {
				ta.Request(http.MethodPatch, api, map[string]any{"title": "x"}, hdr...).Problem(404, "catalog.course_not_found")
				ta.Request(http.MethodDelete, api, nil, hdr...).Problem(404, "catalog.course_not_found")
			}
			if name == "anonymous" {
				continue
			}
			var mine struct{ Count int }
			ta.Get("/api/courses/?mine=true", hdr...).Status(200).JSON(&mine)
			if mine.Count != 0 {
				t.Errorf("%s lists someone else's draft as theirs", name)
			}
		}
		for _, u := range []user{author, admin} {
			var d catalog.CourseDetail
			ta.Get(api, as(u)...).Status(200).Contains(`"is_correct":true`, "비밀테스트", "return a + b").JSON(&d)
			if !d.Editable || !d.Entitled {
				t.Errorf("an editor's view of the draft: editable %v, entitled %v", d.Editable, d.Entitled)
			}
			pagesAs(ta, &u).get(page).Status(200).Contains(`id="edit-button"`)
		}

		// Published: premium content is locked until the learner is enrolled;
		// answers stay the editors'.
		// Its video topics have no video yet: publishing waits for them.
		ta.Request(http.MethodPatch, api, map[string]any{"status": "published"}, as(author)...).Status(422).
			Contains(`"code":"catalog.not_ready"`, `"location":"body.lectures[0].topics[0].video"`)
		attachVideos(t, ta, author, authz.Tutor, id)
		ta.Request(http.MethodPatch, api, map[string]any{"status": "published"}, as(author)...).Status(200)
		locked := func(d catalog.CourseDetail) int {
			n := 0
			for _, l := range d.Lectures {
				for _, tp := range l.Topics {
					if tp.Locked {
						n++
					}
				}
			}
			return n
		}
		var d catalog.CourseDetail
		ta.Get(api, as(student)...).Status(200).JSON(&d)
		if d.Entitled || d.Editable || locked(d) != 4 {
			t.Fatalf("a student not enrolled: entitled %v, editable %v, %d locked", d.Entitled, d.Editable, locked(d))
		}
		if err := ta.App.ReplaceProvider(enrolledEverywhere{}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []user{student, other} {
			var d catalog.CourseDetail
			ta.Get(api, as(u)...).Status(200).NotContains("is_correct", "비밀테스트", "return a + b", "HyperText Markup Language").JSON(&d)
			if !d.Entitled || d.Editable || locked(d) != 0 {
				t.Fatalf("an enrolled learner: entitled %v, editable %v, %d locked", d.Entitled, d.Editable, locked(d))
			}
			if a := d.Lectures[1].Topics[3].Content.Assignment; a == nil || len(a.Tests) != 1 || a.Solution != "" {
				t.Fatalf("an enrolled learner's assignment: %+v", a)
			}
		}

		// Curriculums follow the same rules.
		var cu struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"slug": "nd-draft", "title": "초안 과정",
			"category": "frontend", "skill_level": "beginner", "price": 1000, "status": "draft", "course_ids": []int64{id}},
			as(author)...).Status(201).JSON(&cu)
		curl := fmt.Sprintf("/api/curriculums/%d/", cu.ID)
		ta.Get(curl).Problem(404, "catalog.curriculum_not_found")
		for _, u := range []user{student, other} {
			ta.Get(curl, as(u)...).Problem(404, "catalog.curriculum_not_found")
			ta.Request(http.MethodDelete, curl, nil, as(u)...).Problem(404, "catalog.curriculum_not_found")
		}
		for _, u := range []user{author, admin} {
			ta.Get(curl, as(u)...).Status(200)
		}
	})
}

// Topic kinds are a registry: the API refuses a kind it does not hold,
// saying which there are; so do the editor's page and bundles.
func TestUnknownKind(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		c := sampleCourse("podcast", "팟캐스트", 1, 1)
		c["lectures"].([]map[string]any)[0]["topics"] = []map[string]any{{"slug": "p", "title": "p", "kind": "podcast"}}
		p := ta.Request(http.MethodPost, "/api/courses/", c, as(tutor)...).Problem(422, "")
		if errs := fmt.Sprint(p["errors"]); !strings.Contains(errs, "body.lectures[0].topics[0].kind") ||
			!strings.Contains(errs, "article, assignment, quiz, video") {
			t.Fatalf("errors %v", p["errors"])
		}
		// A kind's content is its own: a quiz carrying a video's notes is refused.
		quiz := sampleCourse("quiz-notes", "퀴즈", 1, 3)
		quiz["lectures"].([]map[string]any)[0]["topics"].([]map[string]any)[2]["notes"] = "노트"
		p = ta.Request(http.MethodPost, "/api/courses/", quiz, as(tutor)...).Problem(422, "request.validation")
		if errs := fmt.Sprint(p["errors"]); !strings.Contains(errs, "body.lectures[0].topics[2].type") {
			t.Fatalf("errors %v", p["errors"])
		}
	})
}

// Errors of a tree update name the topic they are in.
func TestTreeErrorLocations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		id := create(t, ta, tutor, sampleCourse("loc", "위치", 1, 3))
		lectures := []map[string]any{{"slug": "l0", "title": "강의", "topics": []map[string]any{
			{"slug": "a", "title": "글", "kind": "article", "body": "본문"},
			{"slug": "q", "title": "퀴즈", "kind": "quiz", "questions": []map[string]any{
				{"id": 999999, "prompt": "문제", "choices": choices(0)}}}}}}
		p := ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", id), map[string]any{"lectures": lectures}, as(tutor)...).
			Problem(422, "request.validation")
		if errs := fmt.Sprint(p["errors"]); !strings.Contains(errs, "body.lectures[0].topics[1].questions[0].id") {
			t.Fatalf("errors %v", p["errors"])
		}
	})
}

// The grading module reads quizzes' and assignments' keys through
// AnswerKeys, never through HTTP.
func TestAnswerKeys(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		tutor := newUser(t, ta, "tutor", "tutor")
		id := create(t, ta, tutor, sampleCourse("keys", "정답", 1, 4))
		var d catalog.CourseDetail
		ta.Get(fmt.Sprintf("/api/courses/%d/", id), as(tutor)...).Status(200).JSON(&d)
		article, quiz, asg := d.Lectures[0].Topics[1], d.Lectures[0].Topics[2], d.Lectures[0].Topics[3]
		keys := catalogModule(t, ta).AnswerKeys()

		qk, err := keys.QuizKey(ctx, quiz.ID)
		if err != nil {
			t.Fatal(err)
		}
		q := quiz.Content.Questions[0]
		if qk.TopicID != quiz.ID || qk.CourseID != id || qk.PassScore != 60 || len(qk.Questions) != 1 ||
			qk.Questions[0].ID != q.ID || len(qk.Questions[0].Correct) != 1 || qk.Questions[0].Correct[0] != q.Choices[2].ID || len(qk.Questions[0].Choices) != 5 ||
			qk.Questions[0].Explanation != "HyperText Markup Language" || qk.Title != quiz.Title ||
			qk.Questions[0].Prompt != q.Prompt || !strings.Contains(qk.Questions[0].PromptHTML, "<p>") ||
			len(qk.Questions[0].ChoiceTexts) != 5 || qk.Questions[0].ChoiceTexts[2] != q.Choices[2].Text {
			t.Fatalf("quiz key %+v", qk)
		}
		ak, err := keys.AssignmentKey(ctx, asg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ak.Grader != "javascript" || ak.Function != "sum" || ak.Solution != "function sum(a, b) { return a + b }" ||
			len(ak.Tests) != 2 || !ak.Tests[1].Hidden || ak.Tests[1].Name != "비밀테스트" || ak.CourseID != id ||
			ak.Title != asg.Title || ak.Prompt == "" || ak.PromptHTML == "" || ak.StarterCode != asg.Content.Assignment.StarterCode {
			t.Fatalf("assignment key %+v", ak)
		}
		for name, err := range map[string]error{
			"quiz key of an assignment": second(keys.QuizKey(ctx, asg.ID)),
			"assignment key of a quiz":  second(keys.AssignmentKey(ctx, quiz.ID)),
			"quiz key of an article":    second(keys.QuizKey(ctx, article.ID)),
			"quiz key of no topic":      second(keys.QuizKey(ctx, 999999)),
		} {
			if err == nil || !strings.Contains(err.Error(), "catalog.topic_not_found") {
				t.Errorf("%s: %v", name, err)
			}
		}
		// A topic taken out of the outline, or in a deleted course, has no key.
		lectures := []map[string]any{{"id": d.Lectures[0].ID, "slug": "l0", "title": "강의", "topics": []map[string]any{
			{"id": asg.ID, "slug": asg.Slug, "title": asg.Title, "kind": "assignment", "assignment": map[string]any{
				"prompt": "두 수를 더하세요", "grader": "javascript", "function": "sum", "starter_code": "function sum(a, b) {}",
				"tests": []map[string]any{{"name": "공개", "args": []any{1, 2}, "expect": 3}, {"name": "비밀", "hidden": true, "args": []any{2, 2}, "expect": 4}}}}}}}
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", id), map[string]any{"lectures": lectures}, as(tutor)...).Status(200)
		if _, err := keys.QuizKey(ctx, quiz.ID); err == nil {
			t.Error("a deleted quiz has a key")
		}
		if _, err := keys.AssignmentKey(ctx, asg.ID); err != nil {
			t.Fatalf("a kept assignment: %v", err)
		}
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/courses/%d/", id), nil, as(tutor)...).Status(204)
		if _, err := keys.AssignmentKey(ctx, asg.ID); err == nil {
			t.Error("a deleted course's assignment has a key")
		}
	})
}

func second[T any](_ T, err error) error { return err }

// catalogModule is the app's catalog module, for what the app hands other
// modules.
func catalogModule(t *testing.T, ta *apptest.T) *catalog.Module {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if c, ok := m.(*catalog.Module); ok {
			return c
		}
	}
	t.Fatal("no catalog module")
	return nil
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A course's media follow the course: its picture and intro video are for
// whoever may read it (a draft's for its editors), a topic's video also
// needs the topic's content to be viewable.
func TestCourseMediaFollowTheCourse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		a := newUser(t, ta, "tutora", "tutor")
		b := newUser(t, ta, "tutorb", "tutor")
		admin := newUser(t, ta, "admin", "admin")
		draft := sampleCourse("media-draft", "미디어 초안", 1, 1)
		draft["status"] = "draft"
		id := create(t, ta, a, draft)
		gate := ta.App.CatalogMediaGate()
		pa := &authz.Principal{UserID: a.ID, Role: authz.Tutor}
		testkit.Must(t, gate.SetCourseMedia(ctx, pa, id, "intro_video", "media:video:5"))
		testkit.Must(t, gate.SetCourseMedia(ctx, pa, id, "thumbnail", "media:image:6"))
		for _, c := range []struct {
			p    *authz.Principal
			want bool
		}{
			{nil, false}, {&authz.Principal{UserID: b.ID, Role: authz.Tutor}, false},
			{pa, true}, {&authz.Principal{UserID: admin.ID, Role: authz.Admin}, true},
		} {
			video, err := gate.VideoAccess(ctx, c.p, "media:video:5")
			testkit.Must(t, err)
			image, err := gate.ImageAccess(ctx, c.p, "media:image:6")
			testkit.Must(t, err)
			if video != c.want || image != c.want {
				t.Errorf("%v: intro video %v, picture %v; want %v", c.p, video, image, c.want)
			}
		}
		attachVideos(t, ta, a, authz.Tutor, id)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", id), map[string]any{"status": "published"}, as(a)...).Status(200)
		if ok, err := gate.VideoAccess(ctx, nil, "media:video:5"); err != nil || !ok {
			t.Errorf("a published course's intro video: %v, %v", ok, err)
		}
	})
}

// readyLibrary is a media library whose every video is processed: tests of
// publishing put made-up references on video topics (attachVideos).
type readyLibrary struct{}

func (readyLibrary) Attachable(context.Context, *authz.Principal, string, int) ([]catalog.MediaItem, error) {
	return nil, nil
}
func (readyLibrary) Describe(_ context.Context, refs []string) (map[string]catalog.MediaItem, error) {
	out := map[string]catalog.MediaItem{}
	for _, r := range refs {
		out[r] = catalog.MediaItem{Ref: r, Status: "ready"}
	}
	return out, nil
}
func (readyLibrary) Attach(context.Context, *authz.Principal, string, int64, int64, string) error {
	return errors.New("readyLibrary: no attaching")
}
func (readyLibrary) LibraryURL(int64, int64) string { return "/studio/media" }

// attachVideos gives every video topic of course id a (made-up) processed
// video, so that the course may be published.
func attachVideos(t *testing.T, ta *apptest.T, u user, role authz.Role, id int64) {
	t.Helper()
	testkit.Must(t, ta.App.ReplaceProvider(readyLibrary{}))
	var d catalog.CourseDetail
	ta.Get(fmt.Sprintf("/api/courses/%d/", id), as(u)...).Status(200).JSON(&d)
	p := &authz.Principal{UserID: u.ID, Role: role}
	for _, l := range d.Lectures {
		for _, tp := range l.Topics {
			if tp.Kind == "video" {
				testkit.Must(t, ta.App.CatalogMediaGate().SetTopicVideo(context.Background(), p, tp.ID, fmt.Sprintf("media:video:%d", 9000+tp.ID), 60))
			}
		}
	}
}
