package catalog_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// topicCourse creates a draft course of tutor u whose one lecture has a
// video, an article, a quiz and an assignment (sampleCourse), and returns
// it as its author reads it.
func topicCourse(t *testing.T, ta *apptest.T, u user, slug string) catalog.CourseDetail {
	t.Helper()
	c := sampleCourse(slug, "주제 편집 강좌", 1, 4)
	c["status"] = "draft"
	return courseDetail(t, ta, u, create(t, ta, u, c))
}

func courseDetail(t *testing.T, ta *apptest.T, u user, id int64) catalog.CourseDetail {
	t.Helper()
	var d catalog.CourseDetail
	ta.Get(fmt.Sprintf("/api/courses/%d/", id), as(u)...).Status(200).JSON(&d)
	return d
}

func topicPath(d catalog.CourseDetail, i int) string {
	return fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, d.Lectures[0].Topics[i].ID)
}

// quizForm is a quiz topic's form: each question a prompt, five choices
// and the index of its correct one (-1: none yet).
func quizForm(d catalog.CourseDetail, title string, qs ...quizQ) url.Values {
	f := url.Values{"title": {title}, "premium": {"0"}, "mission": {"none"}, "pass_score": {"70"},
		"version": {strconv.FormatInt(d.Version, 10)}}
	for i, q := range qs {
		p := fmt.Sprintf("q.%d.", i)
		f.Set(p+"id", q.id)
		f.Set(p+"prompt", q.prompt)
		f.Set(p+"explanation", q.explanation)
		for j := 0; j < 5; j++ {
			f.Set(fmt.Sprintf("%schoice.%d", p, j), "")
			if j < len(q.choices) {
				f.Set(fmt.Sprintf("%schoice.%d", p, j), q.choices[j])
			}
		}
		if q.correct >= 0 {
			f.Set(p+"correct", strconv.Itoa(q.correct))
		}
	}
	return f
}

type quizQ struct {
	id, prompt, explanation string
	choices                 []string
	correct                 int
}

func five(prefix string) []string {
	return []string{prefix + " 1", prefix + " 2", prefix + " 3", prefix + " 4", prefix + " 5"}
}

func correctIndex(q catalog.Question) int {
	for i, c := range q.Choices {
		if c.IsCorrect != nil && *c.IsCorrect {
			return i
		}
	}
	return -1
}

// flashAfter follows a redirect and returns the page it leads to.
func flashAfter(t *testing.T, p pager, r *testkit.Response, want string) *testkit.Response {
	t.Helper()
	loc := r.Header.Get("Location")
	if loc == "" {
		t.Fatalf("no redirect: %d", r.StatusCode)
	}
	var cookies []string
	for _, c := range r.Header.Values("Set-Cookie") {
		cookies = append(cookies, strings.SplitN(c, ";", 2)[0])
	}
	hdr := append(slices.Clone(p.hdr), "Cookie", strings.Join(cookies, "; "))
	return p.ta.Get(loc, hdr...).Status(200).Contains(want)
}

func TestTopicEditor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		d := topicCourse(t, ta, tutor, "topics")
		ids := func(d catalog.CourseDetail) []int64 {
			var out []int64
			for _, l := range d.Lectures {
				out = append(out, l.ID)
				for _, x := range l.Topics {
					out = append(out, x.ID)
				}
			}
			return out
		}
		before := ids(d)

		// The article: its form, then a save that keeps every id.
		art := topicPath(d, 1)
		tp.get(art).Status(200).Contains(`href="/studio/courses"`, fmt.Sprintf(`href="/studio/courses/%d"`, d.ID),
			"주제 편집 강좌", `aria-current="page">글 t0-1`, `name="title"`, `value="글 t0-1"`, `name="body"`, `data-md-preview="/studio/preview"`,
			"무료 미리보기", "수강생 전용", fmt.Sprintf(`name="version" value="%d"`, d.Version), "js/studio-topic.", "css/studio-topic.").
			NotContains(`name="pass_score"`, `name="mission"`, `name="payload"`)
		form := url.Values{"title": {"새 글 제목"}, "premium": {"1"}, "body": {"## 새 본문\r\n\r\n내용"}, "version": {strconv.FormatInt(d.Version, 10)}}
		r := tp.post(art, form).Status(303)
		if loc := r.Header.Get("Location"); loc != art {
			t.Fatalf("saved → %q", loc)
		}
		flashAfter(t, tp, r, "토픽을 저장했어요")
		after := courseDetail(t, ta, tutor, d.ID)
		a := after.Lectures[0].Topics[1]
		if !slices.Equal(ids(after), before) || a.Title != "새 글 제목" || !a.Premium || a.Content.Body != "## 새 본문\n\n내용" ||
			after.Version != d.Version+1 || after.Lectures[0].Topics[0].Title != "영상 t0-0" {
			t.Fatalf("article saved: %+v (version %d → %d)", a, d.Version, after.Version)
		}
		d = after

		// The quiz: the first question edited (its id kept), a second one
		// added with no correct choice yet (a draft may), the empty row left
		// empty.
		quiz := topicPath(d, 2)
		q0 := d.Lectures[0].Topics[2].Content.Questions[0]
		page := tp.get(quiz).Status(200).Contains(`name="q.0.prompt"`, "HTML의 뜻은?", `name="q.0.choice.4"`, `name="q.0.correct"`,
			`id="q-0-correct-2" value="2" checked`, fmt.Sprintf(`name="q.0.id" value="%d"`, q0.ID), `name="q.1.prompt"`,
			"새 문제: 비워 두면 저장되지 않아요", `name="mission"`, `name="pass_score"`, `value="60"`, "data-quiz-template", "q.__i__.prompt")
		page.NotContains(`name="q.2.prompt"`)
		form = quizForm(d, "퀴즈 고침",
			quizQ{id: strconv.FormatInt(q0.ID, 10), prompt: "HTML은 무엇의 약자인가요?", explanation: "HyperText Markup Language", choices: five("보기"), correct: 3},
			quizQ{prompt: "CSS의 뜻은?", choices: five("답")[:3], correct: -1},
			quizQ{correct: -1})
		form.Set("mission", "midterm")
		tp.post(quiz, form).Status(303)
		after = courseDetail(t, ta, tutor, d.ID)
		qz := after.Lectures[0].Topics[2]
		if !slices.Equal(ids(after), before) || qz.Title != "퀴즈 고침" || qz.Mission != "midterm" || qz.PassScore != 70 ||
			len(qz.Content.Questions) != 2 {
			t.Fatalf("quiz saved: %+v", qz)
		}
		got := qz.Content.Questions
		if got[0].ID != q0.ID || got[0].Prompt != "HTML은 무엇의 약자인가요?" || len(got[0].Choices) != 5 || correctIndex(got[0]) != 3 ||
			got[0].Choices[0].ID != q0.Choices[0].ID || got[1].Prompt != "CSS의 뜻은?" || len(got[1].Choices) != 5 ||
			correctIndex(got[1]) != -1 || got[1].Choices[2].Text != "답 3" || got[1].Choices[3].Text != "" {
			t.Fatalf("questions: %+v", got)
		}
		d = after

		// Several correct answers and an attempt limit: the second question
		// marked multiple with two correct choices, three attempts at most.
		form = quizForm(d, "퀴즈 고침",
			quizQ{id: strconv.FormatInt(got[0].ID, 10), prompt: got[0].Prompt, explanation: "HyperText Markup Language", choices: five("보기"), correct: 3},
			quizQ{id: strconv.FormatInt(got[1].ID, 10), prompt: "CSS에 대해 옳은 것은?", choices: five("답"), correct: 0})
		form.Add("q.1.correct", "2")
		form.Set("q.1.multiple", "1")
		form.Set("max_attempts", "3")
		form.Set("mission", "midterm")
		tp.post(quiz, form).Status(303)
		after = courseDetail(t, ta, tutor, d.ID)
		qz = after.Lectures[0].Topics[2]
		if qz.MaxAttempts != 3 || qz.Content.Questions[0].Multiple || !qz.Content.Questions[1].Multiple ||
			!*qz.Content.Questions[1].Choices[0].IsCorrect || !*qz.Content.Questions[1].Choices[2].IsCorrect {
			t.Fatalf("multiple and attempts saved: %+v", qz)
		}
		tp.get(quiz).Status(200).Contains(`name="max_attempts"`, `value="3"`, `name="q.1.multiple" id="q-1-multiple" value="1" data-quiz-multiple checked`,
			`type="checkbox" name="q.1.correct" id="q-1-correct-0" value="0" checked`, `type="checkbox" name="q.1.correct" id="q-1-correct-2" value="2" checked`,
			`type="radio" name="q.0.correct" id="q-0-correct-3" value="3" checked`)
		// Two correct choices without the mark: refused beside the choices.
		form.Del("q.1.multiple")
		form.Set("version", strconv.FormatInt(after.Version, 10))
		tp.post(quiz, form).Status(422).Contains("정답이 여러 개예요", `id="q-1-correct-error"`)
		d = after

		// The assignment: a JavaScript one with a visible and a hidden test.
		// The app grades JavaScript, so the studio offers to run the tests
		// (app's TestStudioRunsAssignmentTests runs them).
		asg := topicPath(d, 3)
		tp.get(asg).Status(200).Contains(`name="grader"`, `<option value="javascript" selected>`, `value="sum"`, `name="t.0.args"`,
			`value="[1,2]"`, `name="t.1.hidden" id="t-1-hidden" value="1" checked`, "비밀테스트", `name="t.2.name"`,
			`data-graders="javascript other"`, `id="run-tests"`).NotContains("채점이 켜지면")
		form = url.Values{"title": {"더하기 과제"}, "premium": {"0"}, "mission": {"final"}, "pass_score": {"80"}, "version": {strconv.FormatInt(d.Version, 10)},
			"prompt": {"두 수를 **더하세요**"}, "grader": {"javascript"}, "function": {"add"}, "starter_code": {"function add(a, b) {\r\n  \r\n}"},
			"solution": {"function add(a, b) { return a + b }"}, "schema": {"CREATE TABLE ignored (x int)"},
			"t.0.name": {"작은 수"}, "t.0.args": {"[1, 2]"}, "t.0.expect": {"3"}, "t.0.selector": {"nav"},
			"t.1.name": {"문자열"}, "t.1.hidden": {"1"}, "t.1.args": {`["a", "b"]`}, "t.1.expect": {`"ab"`},
			"t.2.name": {""}, "t.2.args": {""}, "t.2.expect": {""}}
		tp.post(asg, form).Status(303)
		after = courseDetail(t, ta, tutor, d.ID)
		as := after.Lectures[0].Topics[3]
		asn := as.Content.Assignment
		if !slices.Equal(ids(after), before) || as.Mission != "final" || as.PassScore != 80 || asn.Function != "add" ||
			asn.Schema != "" || asn.Solution != "function add(a, b) { return a + b }" || asn.StarterCode != "function add(a, b) {\n  \n}" ||
			len(asn.Tests) != 2 || asn.Tests[0].Selector != "" || !asn.Tests[1].Hidden ||
			fmt.Sprintf("%v %v %v %v", asn.Tests[0].Args, asn.Tests[0].Expect, asn.Tests[1].Args, asn.Tests[1].Expect) != "[1 2] 3 [a b] ab" {
			t.Fatalf("assignment saved: %+v %+v", as, asn)
		}
		d = after

		// What cannot be read is refused beside its field, shown as typed,
		// with the service's other checks; nothing is saved.
		form.Set("t.0.args", "[1,")
		form.Set("t.1.expect", "ab")
		form.Set("pass_score", "많이")
		form.Set("title", "")
		form.Set("version", strconv.FormatInt(d.Version, 10))
		tp.post(asg, form).Status(422).Contains(`id="t-0-args-error"`, "JSON 배열로 써 주세요", `value="[1,"`,
			`id="t-1-expect-error"`, "JSON 값으로 써 주세요", `value="ab"`, `id="f-pass_score-error"`, "정수로 입력해 주세요",
			`id="f-title-error"`, "필수 항목입니다", `id="topic-errors"`).NotContains(`id="t-0-args-error"><i class="bi bi-exclamation-circle" aria-hidden="true"></i> 필수`)
		if now := courseDetail(t, ta, tutor, d.ID); now.Version != d.Version {
			t.Fatalf("a refused form saved: version %d → %d", d.Version, now.Version)
		}

		// A problem this form has no field for is listed above it: the
		// assignment is the final mission already.
		form = quizForm(d, "퀴즈 고침", quizQ{prompt: "문제", choices: five("보기"), correct: 0})
		form.Set("mission", "final")
		tp.post(quiz, form).Status(422).Contains(`id="topic-errors"`, `class="issue-list"`, "강좌의 다른 곳",
			"<code>lectures[0].topics[3].mission</code>", "중간·기말 미션은 강좌마다 하나씩만 둘 수 있습니다")

		// Another course's topic, or none: 404.
		other := topicCourse(t, ta, tutor, "other-topics")
		tp.get(fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, other.Lectures[0].Topics[0].ID)).Status(404)
		tp.post(fmt.Sprintf("/studio/courses/%d/topics/%d", d.ID, other.Lectures[0].Topics[0].ID), form).Status(404)
		tp.get(fmt.Sprintf("/studio/courses/%d/topics/999999", d.ID)).Status(404)
		tp.get(fmt.Sprintf("/studio/courses/%d/topics/abc", d.ID)).Status(404)
		tp.get(fmt.Sprintf("/studio/courses/999999/topics/%d", d.Lectures[0].Topics[0].ID)).Status(404)

		// In English.
		tp.get(quiz+"?lang=en").Status(200).Contains("Edit topic", "Free preview", "Learners only", "Question 1", "Choice 5", "Correct",
			"Midterm mission", "Save topic")
	})
}

// A published course's topics are complete: a quiz saved without its
// correct choice is refused beside the question; a draft's is saved.
func TestTopicEditorPublished(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		d := topicCourse(t, ta, tutor, "published")
		attachVideos(t, ta, tutor, authz.Tutor, d.ID)
		ta.Request("PATCH", fmt.Sprintf("/api/courses/%d/", d.ID), map[string]any{"status": "published"}, as(tutor)...).Status(200)
		d = courseDetail(t, ta, tutor, d.ID)
		quiz := topicPath(d, 2)
		q0 := d.Lectures[0].Topics[2].Content.Questions[0]
		form := quizForm(d, "퀴즈", quizQ{id: strconv.FormatInt(q0.ID, 10), prompt: "HTML의 뜻은?", choices: five("보기"), correct: -1},
			quizQ{prompt: "두 번째", choices: five("선택")[:4], correct: 1})
		tp.post(quiz, form).Status(422).Contains(`id="q-0-correct-error"`, "정답은 정확히 하나여야 합니다", `id="q-1-choice-4-error"`,
			"필수 항목입니다", `>두 번째</textarea>`, `value="선택 4"`)
		if now := courseDetail(t, ta, tutor, d.ID); now.Version != d.Version {
			t.Fatal("a refused quiz was saved")
		}
		form = quizForm(d, "퀴즈", quizQ{id: strconv.FormatInt(q0.ID, 10), prompt: "HTML의 뜻은?", choices: five("보기"), correct: 4})
		tp.post(quiz, form).Status(303)
		if q := courseDetail(t, ta, tutor, d.ID).Lectures[0].Topics[2].Content.Questions; len(q) != 1 || correctIndex(q[0]) != 4 || q[0].ID != q0.ID {
			t.Fatalf("published quiz: %+v", q)
		}
	})
}

// A save based on a version of the course older than the one stored is
// not made: the form comes back (409) with the author's values, the
// reason, a link to the latest version and a button that overwrites.
func TestTopicEditorStale(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		d := topicCourse(t, ta, tutor, "stale")
		art := topicPath(d, 1)
		old := d.Version
		// Another tab saves the course.
		ta.Request("PATCH", fmt.Sprintf("/api/courses/%d/", d.ID), map[string]any{"title": "다른 탭의 제목"}, as(tutor)...).Status(200)
		cur := courseDetail(t, ta, tutor, d.ID)

		form := url.Values{"title": {"내가 쓴 제목"}, "premium": {"0"}, "body": {"내가 쓴 **본문**"}, "version": {strconv.FormatInt(old, 10)}}
		r := tp.post(art, form).Status(409)
		r.Contains(`id="topic-stale"`, "그사이 이 강좌가 다른 곳에서 저장되었어요", fmt.Sprintf("버전 %d", cur.Version),
			fmt.Sprintf(`href="%s" target="_blank" rel="noopener"`, art), fmt.Sprintf(`name="overwrite" value="%d"`, cur.Version),
			`value="내가 쓴 제목"`, "내가 쓴 **본문**", fmt.Sprintf(`name="version" value="%d"`, old))
		if now := courseDetail(t, ta, tutor, d.ID); now.Version != cur.Version || now.Lectures[0].Topics[1].Title != "글 t0-1" {
			t.Fatal("a stale save changed the course")
		}
		// Saving again the same way is refused again; overwriting saves.
		tp.post(art, form).Status(409)
		form.Set("overwrite", strconv.FormatInt(cur.Version, 10))
		tp.post(art, form).Status(303)
		now := courseDetail(t, ta, tutor, d.ID)
		if a := now.Lectures[0].Topics[1]; a.Title != "내가 쓴 제목" || a.Content.Body != "내가 쓴 **본문**" || now.Title != "다른 탭의 제목" {
			t.Fatalf("overwritten: %+v, course %q", a, now.Title)
		}
		// A form without its version is never taken for the latest.
		form.Del("overwrite")
		form.Del("version")
		tp.post(art, form).Status(409)
	})
}

func TestTopicEditorAccess(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		admin := newUser(t, ta, "admin", "admin")
		d := topicCourse(t, ta, tutor, "access")
		art := topicPath(d, 1)
		form := url.Values{"title": {"남의 글"}, "premium": {"0"}, "body": {"본문"}, "version": {strconv.FormatInt(d.Version, 10)}}

		r := pagesAs(ta, nil).get(art).Status(303)
		if loc := r.Header.Get("Location"); loc != "/login?next="+url.QueryEscape(art) {
			t.Fatalf("anonymous → %q", loc)
		}
		pagesAs(ta, nil).post(art, form).Status(401)
		pagesAs(ta, &student).get(art).Status(403)
		pagesAs(ta, &student).post(art, form).Status(403)
		// Another tutor: a draft does not exist for them, a published course
		// is not theirs to change.
		pagesAs(ta, &other).get(art).Status(404)
		pagesAs(ta, &other).post(art, form).Status(404)
		attachVideos(t, ta, tutor, authz.Tutor, d.ID)
		ta.Request("PATCH", fmt.Sprintf("/api/courses/%d/", d.ID), map[string]any{"status": "published"}, as(tutor)...).Status(200)
		pagesAs(ta, &other).get(art).Status(403)
		form.Set("version", strconv.FormatInt(courseDetail(t, ta, tutor, d.ID).Version, 10))
		pagesAs(ta, &other).post(art, form).Status(403)
		if courseDetail(t, ta, tutor, d.ID).Lectures[0].Topics[1].Title != "글 t0-1" {
			t.Fatal("another tutor changed the topic")
		}
		// An admin edits anyone's.
		pagesAs(ta, &admin).get(art).Status(200).Contains(`value="글 t0-1"`)
		pagesAs(ta, &admin).post(art, form).Status(303)
	})
}

func TestMarkdownPreview(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		text := url.Values{"text": {"# 제목\r\n\r\n**굵게(bold)**는 <script>alert(1)</script> <img src=x onerror=alert(1)> [링크](javascript:alert(1))"}}
		r := pagesAs(ta, &tutor).post("/studio/preview", text).Status(200)
		r.Contains("<h3>제목</h3>", "<strong>굵게(bold)</strong>는").NotContains("<script", "onerror", "javascript:", "<html", "<img")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("preview headers: %q, %q", ct, r.Header.Get("Cache-Control"))
		}
		pagesAs(ta, &tutor).post("/studio/preview", url.Values{"text": {""}}).Status(200)
		pagesAs(ta, &tutor).post("/studio/preview", url.Values{"text": {strings.Repeat("가", 100_001)}}).Status(413).Contains("100,000자")
		pagesAs(ta, &student).post("/studio/preview", text).Status(403)
		pagesAs(ta, nil).post("/studio/preview", text).Status(401)
	})
}

// pickLibrary is a media library with two videos of the caller's, which
// attaches them through the catalog's gate as the media module does.
type pickLibrary struct {
	gate  catalog.MediaGate
	items []catalog.MediaItem
}

func (l pickLibrary) Attachable(context.Context, *authz.Principal, string, int) ([]catalog.MediaItem, error) {
	return l.items, nil
}

func (l pickLibrary) Describe(_ context.Context, refs []string) (map[string]catalog.MediaItem, error) {
	out := map[string]catalog.MediaItem{}
	for _, r := range refs {
		for _, it := range l.items {
			if it.Ref == r {
				out[r] = it
			}
		}
		if r == "media:video:77" { // another tutor's, attached by an admin
			out[r] = catalog.MediaItem{Ref: r, Title: "남의 영상", Status: "ready", Duration: 5}
		}
	}
	return out, nil
}

func (l pickLibrary) Attach(ctx context.Context, p *authz.Principal, ref string, _, topicID int64, _ string) error {
	for _, it := range l.items {
		if it.Ref == ref {
			return l.gate.SetTopicVideo(ctx, p, topicID, ref, it.Duration)
		}
	}
	return apperr.New(apperr.NotFound, "media.video_not_found", "media.video_not_found")
}

func (pickLibrary) LibraryURL(_, topic int64) string {
	return fmt.Sprintf("/studio/media?for=topic%%3A%d", topic)
}

func TestTopicEditorVideo(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		lib := pickLibrary{gate: ta.App.CatalogMediaGate(), items: []catalog.MediaItem{
			{Ref: "media:video:1", Title: "HTML 소개 영상", Status: "ready", Duration: 95, Thumb: "/media/poster-1.jpg"},
			{Ref: "media:video:2", Title: "변환 중인 영상", Status: "processing", Progress: 40},
			{Ref: "media:video:3", Title: "바깥 포스터", Status: "failed", Thumb: "//evil.example/p.jpg"},
		}}
		testkit.Must(t, ta.App.ReplaceProvider(lib))
		d := topicCourse(t, ta, tutor, "video")
		vid := topicPath(d, 0)
		v := d.Lectures[0].Topics[0]

		page := tp.get(vid).Status(200)
		page.Contains(`name="video"`, "HTML 소개 영상", "준비됨", "1:35", `src="/media/poster-1.jpg"`, "변환 중인 영상", "처리 중 40%",
			"처리 실패", `id="video-none" value="" checked`, "새 영상 올리기", fmt.Sprintf(`href="/studio/media?for=topic%%3A%d"`, v.ID),
			`name="notes"`, "영상 노트", "1:00").NotContains("evil.example")

		form := url.Values{"title": {"소개 영상"}, "premium": {"0"}, "video": {"media:video:1"}, "notes": {"새 노트"},
			"version": {strconv.FormatInt(d.Version, 10)}}
		flashAfter(t, tp, tp.post(vid, form).Status(303), "토픽을 저장했어요")
		after := courseDetail(t, ta, tutor, d.ID)
		got := after.Lectures[0].Topics[0]
		if got.ID != v.ID || got.Content.Video != "media:video:1" || got.Duration != 95 || got.Content.Notes != "새 노트" || got.Title != "소개 영상" {
			t.Fatalf("video topic: %+v %+v", got, got.Content)
		}
		// The attached video comes first, marked.
		inOrder(t, body(tp.get(vid).Status(200)), `value="media:video:1" checked`, "지금 연결됨", `value="media:video:2"`, `id="video-none"`)

		// A video the library does not let the caller attach: the rest is
		// saved, and the author is told.
		form.Set("video", "media:video:999")
		form.Set("notes", "또 새 노트")
		form.Set("version", strconv.FormatInt(after.Version, 10))
		flashAfter(t, tp, tp.post(vid, form).Status(303), "토픽은 저장했지만 영상을 연결하지 못했어요")
		after = courseDetail(t, ta, tutor, d.ID)
		if got := after.Lectures[0].Topics[0]; got.Content.Video != "media:video:1" || got.Content.Notes != "또 새 노트" {
			t.Fatalf("refused attach: %+v", got.Content)
		}
		// "None" takes the video off.
		form.Set("video", "")
		form.Set("version", strconv.FormatInt(after.Version, 10))
		tp.post(vid, form).Status(303)
		after = courseDetail(t, ta, tutor, d.ID)
		if got := after.Lectures[0].Topics[0]; got.Content.Video != "" {
			t.Fatalf("detached: %+v", got.Content)
		}
		// A form without the video field leaves the video alone.
		testkit.Must(t, ta.App.CatalogMediaGate().SetTopicVideo(context.Background(), &authz.Principal{UserID: tutor.ID, Role: authz.Tutor}, v.ID, "media:video:77", 5))
		form.Del("video")
		form.Set("version", strconv.FormatInt(after.Version, 10))
		tp.post(vid, form).Status(303)
		if got := courseDetail(t, ta, tutor, d.ID).Lectures[0].Topics[0]; got.Content.Video != "media:video:77" {
			t.Fatalf("no video field: %+v", got.Content)
		}
		// A video not in the caller's library still shows first, as attached.
		inOrder(t, body(tp.get(vid).Status(200)), `value="media:video:77" checked`, "남의 영상", "지금 연결됨", `value="media:video:1"`)
	})
}

// The topic editor's messages have the same keys in Korean and English.
func TestTopicLocalesComplete(t *testing.T) {
	keys := func(file string) map[string]string {
		var m map[string]string
		if _, err := toml.DecodeFile(file, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ko, en := keys("locales/topic.ko.toml"), keys("locales/topic.en.toml")
	for k := range ko {
		if _, ok := en[k]; !ok {
			t.Errorf("%s: no English", k)
		}
	}
	for k := range en {
		if _, ok := ko[k]; !ok {
			t.Errorf("%s: no Korean", k)
		}
	}
}
