package catalog_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// pager sends page requests the way a browser does (HTML accepted, forms
// url-encoded and same-origin), as a signed-in user or anonymously.
type pager struct {
	ta  *apptest.T
	hdr []string
}

func pagesAs(ta *apptest.T, u *user) pager {
	p := pager{ta: ta, hdr: []string{"Accept", "text/html,application/xhtml+xml", "Sec-Fetch-Site", "same-origin"}}
	if u != nil {
		p.hdr = append(p.hdr, as(*u)...)
	}
	return p
}

func (p pager) get(path string) *testkit.Response { return p.ta.Get(path, p.hdr...) }

func (p pager) post(path string, form url.Values) *testkit.Response {
	hdr := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, p.hdr...)
	return p.ta.Request(http.MethodPost, path, form.Encode(), hdr...)
}

func body(r *testkit.Response) string { return string(r.Body) }

// inOrder fails unless every s appears in body, in the given order.
func inOrder(t *testing.T, body string, ss ...string) {
	t.Helper()
	at := 0
	for _, s := range ss {
		i := strings.Index(body[at:], s)
		if i < 0 {
			t.Fatalf("%q missing or out of order (after offset %d)", s, at)
		}
		at += i + len(s)
	}
}

func curriculum(t *testing.T, ta *apptest.T, u user, ids ...int64) {
	t.Helper()
	ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"slug": "web-nd", "title": "웹 개발 나노 디그리",
		"summary": "처음부터 배포까지", "category": "frontend", "skill_level": "beginner", "price": 50000, "access_days": 730,
		"status": "published", "course_ids": ids}, as(u)...).Status(201)
}

func TestHomeRoadmapPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		// An empty catalog: the home page still renders.
		pagesAs(ta, nil).get("/").Status(200).Contains("아직 공개된 로드맵이 없어요").NotContains("roadmap-card")

		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		c1 := create(t, ta, tutor, sampleCourse("c1", "HTML 첫걸음", 1, 2))
		c2 := create(t, ta, tutor, sampleCourse("c2", "자바스크립트 기초 다지기", 2, 2))
		c3 := create(t, ta, tutor, sampleCourse("c3", "SQL로 데이터 다루기", 1, 1))
		curriculum(t, ta, tutor, c2, c1, c3)

		anon := body(pagesAs(ta, nil).get("/").Status(200))
		inOrder(t, anon, "웹 개발 나노 디그리", "50,000원", "2년",
			fmt.Sprintf(`href="/courses/%d"`, c2), "자바스크립트 기초 다지기",
			fmt.Sprintf(`href="/courses/%d"`, c1), "HTML 첫걸음",
			fmt.Sprintf(`href="/courses/%d"`, c3), "SQL로 데이터 다루기")
		if n := strings.Count(anon, `class="wv-card roadmap-card status status-none"`); n != 3 {
			t.Errorf("anonymous: %d neutral cards, want 3", n)
		}
		for _, want := range []string{"로그인하면 진행 상황이 보여요", "3개 강좌 전체", "강의 2개"} {
			if !strings.Contains(anon, want) {
				t.Errorf("anonymous home lacks %q", want)
			}
		}
		if strings.Contains(anon, "status-locked") || strings.Contains(anon, "JavaScript 기초") {
			t.Error("anonymous home shows statuses or placeholder courses")
		}

		testkit.Must(t, ta.App.ReplaceProvider(noShop{}))
		st := body(pagesAs(ta, &student).get("/").Status(200))
		if n := strings.Count(st, `class="wv-card roadmap-card status status-locked"`); n != 3 {
			t.Errorf("student: %d locked cards, want 3", n)
		}
		// Nothing is sold on this instance: the program card leads to its
		// first course, never to a purchase page that does not exist.
		if strings.Contains(st, "로그인하면 진행 상황이 보여요") || !strings.Contains(st, `class="legend"`) ||
			!strings.Contains(st, "첫 강좌 살펴보기") || strings.Contains(st, "수강 신청하기") || strings.Contains(st, "/checkout") {
			t.Error("student home: legend and a button to the first course expected, no login hint, no purchase")
		}
		if !strings.Contains(st, fmt.Sprintf(`<a class="btn btn-primary btn-lg w-100" href="/courses/%d">`, c2)) {
			t.Error("student home: the program card's button does not lead to the first course")
		}
		// Once a module sells it, the button buys it.
		testkit.Must(t, ta.App.ReplaceProvider(shop{}))
		st = body(pagesAs(ta, &student).get("/").Status(200))
		if !strings.Contains(st, "수강 신청하기") || !strings.Contains(st, `href="/checkout?curriculum=`) {
			t.Error("student home: an enroll button to the storefront expected")
		}
		// The author owns every course of the roadmap: the button continues.
		au := body(pagesAs(ta, &tutor).get("/").Status(200))
		if strings.Count(au, `class="wv-card roadmap-card status status-owned"`) != 3 || !strings.Contains(au, "이어서 학습하기") {
			t.Error("author home: owned cards and a continue button expected")
		}
		en := body(pagesAs(ta, nil).get("/?lang=en").Status(200))
		if !strings.Contains(en, "₩50,000") || !strings.Contains(en, "2 years") || !strings.Contains(en, "Log in to see your progress.") {
			t.Error("English home")
		}
	})
}

func TestCourseListPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "김강사", "tutor")
		mk := func(slug, title, cat, level string, price int) {
			c := sampleCourse(slug, title, 1, 2)
			c["category"], c["skill_level"], c["price"] = cat, level, price
			create(t, ta, tutor, c)
		}
		anon := pagesAs(ta, nil)
		anon.get("/courses").Status(200).Contains("아직 공개된 강좌가 없어요")

		mk("html", "HTML과 CSS 기초", "frontend", "beginner", 12900)
		mk("js", "JavaScript 기초", "javascript", "beginner", 0)
		mk("dom", "DOM과 비동기 JavaScript", "javascript", "intermediate", 14900)
		draft := sampleCourse("draft", "비공개 초안", 1, 1)
		draft["status"] = "draft"
		create(t, ta, tutor, draft)

		cards := func(r *testkit.Response) int { return strings.Count(body(r), `class="wv-card course-card"`) }
		all := anon.get("/courses").Status(200).Contains("강좌 3개", "12,900원", "무료", "김강사", "입문", "프론트엔드",
			"강의 1개", "토픽 2개", "10시간", `class="course-thumb thumb-frontend"`).NotContains("비공개 초안", "<img")
		if cards(all) != 3 {
			t.Fatalf("%d cards", cards(all))
		}
		for q, want := range map[string]int{
			"q=비동기": 1, "q=javascript": 2, "q=JAVASCRIPT": 2, "category=javascript": 2, "category=javascript&level=intermediate": 1,
			"price=free": 1, "price=paid": 2, "min_price=13000": 1, "max_price=13,000": 2, "q=기초&category=frontend": 1,
			"category=cooking": 3, "level=expert&price=cheap": 3, "q=초안": 0,
		} {
			if got := cards(anon.get("/courses?" + url.PathEscape(q))); got != want {
				// PathEscape keeps = and &; the Korean words are escaped.
				t.Errorf("?%s: %d cards, want %d", q, got, want)
			}
		}
		r := anon.get("/courses?q=" + url.QueryEscape("비동기") + "&category=javascript")
		r.Contains("‘비동기’ 검색 결과 1개", "검색: 비동기", "자바스크립트", `href="/courses"`, `value="비동기"`)
		anon.get("/courses?q="+url.QueryEscape("없는강좌")).Contains("조건에 맞는 강좌가 없어요", "필터 초기화")
		inOrder(t, body(anon.get("/courses?ordering=price")), "JavaScript 기초", "HTML과 CSS 기초", "DOM과 비동기 JavaScript")
		inOrder(t, body(anon.get("/courses?ordering=-price")), "DOM과 비동기 JavaScript", "HTML과 CSS 기초", "JavaScript 기초")

		// Pagination: 12 a page.
		for i := 0; i < 10; i++ {
			mk(fmt.Sprintf("extra-%d", i), fmt.Sprintf("추가 강좌 %d", i), "tools", "advanced", 9900)
		}
		p1, p2 := anon.get("/courses"), anon.get("/courses?page=2")
		if cards(p1) != 12 || cards(p2) != 1 || !strings.Contains(body(p1), `href="/courses?page=2"`) {
			t.Fatalf("pages: %d + %d cards", cards(p1), cards(p2))
		}
		anon.get("/courses?lang=en").Status(200).Contains("13 courses", "₩9,900", "Advanced", "Dev tools")
		// A category's page is titled by the category, and one is singular.
		anon.get("/courses?category=frontend").Status(200).Contains(`<h1 class="page-title">프론트엔드</h1>`, "<title>프론트엔드")
		anon.get("/courses?q=기초&category=frontend&lang=en").Status(200).Contains(`<h1 class="page-title">Frontend</h1>`).
			NotContains("1 courses", "1 results")
	})
}

func TestCoursePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		base := create(t, ta, tutor, sampleCourse("base", "기초 강좌", 1, 1))
		c := sampleCourse("js-101", "자바스크립트 입문", 2, 4)
		c["description"] = "## 이 강좌는\n\n**굵게** 배워요 <script>alert(1)</script>"
		c["prerequisites"] = []string{"base"}
		c["lectures"].([]map[string]any)[0]["topics"].([]map[string]any)[2]["mission"] = "midterm"
		id := create(t, ta, tutor, c)
		path := fmt.Sprintf("/courses/%d", id)

		// Nothing is sold on this instance: no purchase button or link.
		testkit.Must(t, ta.App.ReplaceProvider(noShop{}))
		pagesAs(ta, &student).get(path).Status(200).Contains("수강 신청 후 볼 수 있는 내용이에요").
			NotContains(`id="enroll-button"`, "/checkout")
		testkit.Must(t, ta.App.ReplaceProvider(shop{}))

		for name, u := range map[string]*user{"anonymous": nil, "student": &student, "other tutor": &other} {
			r := pagesAs(ta, u).get(path).Status(200)
			// Each number says what it counts; a body's headings sit under the page's.
			r.Contains("예상 학습 시간 10시간", "영상 2분", "<h3>제목</h3>").NotContains("시간 분량", "영상 총", "<h1>제목</h1>")
			r.Contains("자바스크립트 입문", "12,900원", "3학점", "입문", "<strong>굵게</strong>",
				// Every title shows, premium ones too; free topics show their content.
				"영상 t0-0", "글 t0-1", "퀴즈 t0-2", "과제 t0-3", "영상 t1-0", "과제 t1-3",
				"미리보기", "중간 미션", "bi-lock-fill", "수강 신청 후 볼 수 있는 내용이에요", "<strong>강조</strong>", "영상 노트",
				fmt.Sprintf(`href="/checkout?course=%d"`, id), "수강 신청하기",
				fmt.Sprintf(`<a href="/courses/%d">기초 강좌</a>`, base), `id="topic-`)
			// Free quizzes and assignments show (lecture 1); answers, solutions
			// and hidden tests never do.
			r.Contains("HTML의 뜻은?", "function sum(a, b) {}")
			r.NotContains("비밀테스트", "return a + b", "HyperText Markup Language", "<script>alert", `id="edit-button"`, "이어서 학습하기")
			if name == "anonymous" && !strings.Contains(body(r), "이미 수강 중인가요?") {
				t.Error("anonymous: no login hint")
			}
			if strings.Count(body(r), `<details class="lecture"`) != 2 {
				t.Errorf("%s: lectures", name)
			}
		}
		// The author is entitled: everything shows, with the edit button and
		// a preview of the learner's view (not "continue learning": a tutor
		// is not taking their own course).
		pagesAs(ta, &tutor).get(path).Status(200).Contains(`id="edit-button"`, fmt.Sprintf(`href="/studio/courses/%d"`, id),
			"학습 화면 미리 보기", fmt.Sprintf(`href="/learn/%d"`, id), "HTML의 뜻은?", "function sum(a, b) {}", "60점 이상이면 통과").NotContains("수강 신청 후 볼 수 있는 내용이에요")

		pagesAs(ta, nil).get("/courses/999999").Status(404).Contains("페이지를 찾을 수 없습니다")
		pagesAs(ta, nil).get("/courses/abc").Status(404)
		draft := sampleCourse("draft", "초안 강좌", 1, 1)
		draft["status"] = "draft"
		did := create(t, ta, tutor, draft)
		pagesAs(ta, &student).get(fmt.Sprintf("/courses/%d", did)).Status(404)
		pagesAs(ta, &tutor).get(fmt.Sprintf("/courses/%d", did)).Status(200).Contains("초안")
		pagesAs(ta, nil).get(path+"?lang=en").Status(200).Contains("Enroll now", "Preview", "Midterm mission", "Curriculum")
	})
}

// courseForm is a valid editor submission.
func courseForm(slug, title string) url.Values {
	return url.Values{"title": {title}, "slug": {slug}, "summary": {"한 줄 소개"}, "description": {"## 소개\r\n\r\n본문"},
		"category": {"backend"}, "skill_level": {"intermediate"}, "price": {"19,900"},
		"access_days": {""}, "credits": {"2"}, "estimated_hours": {"8"}, "tags": {"go, 서버"}, "prerequisites": {""}}
}

// outlineForm is an outline form: pairs of "lecture key" → title and
// "lecture key/topic key" → title (a new topic's kind after a colon:
// "n1/m1" → "quiz:퀴즈").
func outlineForm(version int64, rows ...string) url.Values {
	f := url.Values{"version": {fmt.Sprint(version)}}
	for i := 0; i+1 < len(rows); i += 2 {
		key, val := rows[i], rows[i+1]
		lkey, tkey, isTopic := strings.Cut(key, "/")
		if !isTopic {
			f.Add("lecture", lkey)
			f.Set("lecture_title."+lkey, val)
			continue
		}
		f.Add("topic", key)
		if kind, title, ok := strings.Cut(val, ":"); ok && strings.HasPrefix(tkey, "m") {
			f.Set("topic_kind."+tkey, kind)
			val = title
		}
		f.Set("topic_title."+tkey, val)
	}
	return f
}

func TestStudioPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		admin := newUser(t, ta, "admin", "admin")
		tp, sp := pagesAs(ta, &tutor), pagesAs(ta, &student)

		// Guards: anonymous callers log in first, students are refused.
		r := pagesAs(ta, nil).get("/studio/courses").Status(303)
		if loc := r.Header.Get("Location"); loc != "/login?next=%2Fstudio%2Fcourses" {
			t.Fatalf("anonymous studio → %s", loc)
		}
		sp.get("/studio/courses").Status(403).Contains("접근 권한이 없습니다")
		sp.get("/studio/courses/new").Status(403)
		sp.post("/studio/courses/new", courseForm("x", "x")).Status(403)

		// The studio's home is the tutor's dashboard, with a tab to the courses.
		tp.get("/studio").Status(200).Contains(`href="/studio/courses"`)
		tp.get("/studio/courses").Status(200).Contains("아직 만든 강좌가 없어요")
		newPage := body(tp.get("/studio/courses/new").Status(200))
		if !strings.Contains(newPage, `name="title"`) || strings.Contains(newPage, `name="lectures"`) ||
			!strings.Contains(newPage, `<option value="frontend" selected>프론트엔드</option>`) {
			t.Fatalf("new course form:\n%.2000s", newPage)
		}

		// Create: a draft, then its outline editor.
		r = tp.post("/studio/courses/new", courseForm("go-server", "Go로 만드는 서버")).Status(303)
		var id int64
		if _, err := fmt.Sscanf(r.Header.Get("Location"), "/studio/courses/%d", &id); err != nil {
			t.Fatalf("created → %q", r.Header.Get("Location"))
		}
		api := fmt.Sprintf("/api/courses/%d/", id)
		var d catalog.CourseDetail
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		if d.Price != 19900 || d.AccessDays != 730 || d.Status != "draft" || len(d.Tags) != 2 || d.Description != "## 소개\n\n본문" || len(d.Lectures) != 0 {
			t.Fatalf("created %+v", d)
		}
		editor := fmt.Sprintf("/studio/courses/%d", id)
		tp.get(editor).Status(200).Contains(`id="outline"`, "강의가 하나 이상 있어야 합니다", `id="to-published" disabled`,
			`data-lecture-template`, `id="tab-settings"`)
		bad := courseForm("Bad Slug", "")
		bad.Set("price", "비쌈")
		tp.post("/studio/courses/new", bad).Status(422).Contains(`id="f-price-error"`, "숫자로 입력해 주세요", `id="f-title-error"`, `value="Bad Slug"`)
		tp.post("/studio/courses/new", courseForm("go-server", "같은 슬러그")).Status(409).Contains("이미 사용 중인 슬러그입니다")

		// Two lectures with a video, an article and a quiz, typed as rows.
		tp.post(editor+"/outline", outlineForm(d.Version, "n1", "기초", "n1/m1", "video:소개 영상", "n1/m2", "article:읽을거리",
			"n2", "심화", "n2/m3", "quiz:확인 퀴즈")).Status(303)
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		if len(d.Lectures) != 2 || len(d.Lectures[0].Topics) != 2 || d.Lectures[1].Topics[0].Kind != "quiz" || d.Lectures[0].Topics[1].Title != "읽을거리" {
			t.Fatalf("outline %+v", d.Lectures)
		}
		l1, l2 := fmt.Sprintf("l%d", d.Lectures[0].ID), fmt.Sprintf("l%d", d.Lectures[1].ID)
		video, article, quiz := d.Lectures[0].Topics[0].ID, d.Lectures[0].Topics[1].ID, d.Lectures[1].Topics[0].ID
		tk := func(lkey string, id int64) string { return fmt.Sprintf("%s/t%d", lkey, id) }
		// The checklist names what is missing, with links to fix it.
		tp.get(editor).Status(200).Contains("영상이 연결되지 않았습니다", "문제가 하나 이상 있어야 합니다",
			fmt.Sprintf(`href="/studio/courses/%d/topics/%d"`, id, quiz), `id="to-published" disabled`)

		// Reorder, rename and move between lectures: ids are kept.
		old := d.Version
		tp.post(editor+"/outline", outlineForm(d.Version, l2, "심화 과정", tk(l2, quiz), "확인 퀴즈", tk(l2, video), "소개 영상",
			l1, "기초", tk(l1, article), "읽을거리 (개정)")).Status(303)
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		if d.Lectures[0].Title != "심화 과정" || d.Lectures[0].Topics[1].ID != video || d.Lectures[1].Topics[0].ID != article ||
			d.Lectures[1].Topics[0].Title != "읽을거리 (개정)" || d.Version <= old {
			t.Fatalf("moved %+v", d.Lectures)
		}

		// A second tab still on the old version: a clear conflict, what it
		// typed kept, nothing overwritten.
		stale := tp.post(editor+"/outline", outlineForm(old, l1, "덮어쓰기 시도", tk(l1, article), "x")).Status(409)
		stale.Contains(`id="stale-alert"`, "그사이 이 강좌가 저장되었어요", `value="덮어쓰기 시도"`, fmt.Sprintf(`name="version" value="%d"`, d.Version))
		var same catalog.CourseDetail
		ta.Get(api, as(tutor)...).Status(200).JSON(&same)
		if same.Version != d.Version || same.Lectures[0].Title != "심화 과정" {
			t.Fatalf("a stale save changed the course: %+v", same.Lectures)
		}
		// A row error is shown on its row, nothing saved.
		tp.post(editor+"/outline", outlineForm(d.Version, l1, "기초", tk(l1, article), "")).Status(422).
			Contains(fmt.Sprintf(`id="tt-t%d-error"`, article), "필수 항목입니다")
		tp.post(editor+"/outline", url.Values{"version": {fmt.Sprint(d.Version)}, "lecture": {"x1"}}).Status(422).Contains("커리큘럼 양식을 읽을 수 없어요")

		// Publishing waits for the checklist.
		sf := url.Values{"version": {fmt.Sprint(d.Version)}, "status": {"published"}}
		tp.post(editor+"/status", sf).Status(303)
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		if d.Status != "draft" {
			t.Fatalf("published with its checklist open: %s", d.Status)
		}
		ta.Request(http.MethodPatch, api, map[string]any{"status": "published"}, as(tutor)...).Status(422).Contains(`"code":"catalog.not_ready"`)

		// Fill the topics through the API (the topic editor has its own
		// tests), with If-Match: a stale ETag is refused.
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		etag := catalog.ETag(d.ID, d.Version)
		in := map[string]any{"lectures": []map[string]any{
			{"id": d.Lectures[0].ID, "title": "심화 과정", "topics": []map[string]any{
				{"id": quiz, "title": "확인 퀴즈", "type": "quiz", "questions": []map[string]any{{"prompt": "HTTP 기본 포트는?", "choices": []map[string]any{
					{"text": "80", "correct": true}, {"text": "21"}, {"text": "22"}, {"text": "25"}, {"text": "443"}}}}},
				{"id": video, "title": "소개 영상", "type": "video"}}},
			{"id": d.Lectures[1].ID, "title": "기초", "topics": []map[string]any{{"id": article, "title": "읽을거리", "type": "article", "body": "본문"}}}}}
		ta.Request(http.MethodPatch, api, in, append(as(tutor), "If-Match", `"course-1-v1"`)...).Problem(412, "catalog.stale")
		ta.Request(http.MethodPatch, api, in, append(as(tutor), "If-Match", etag)...).Status(200)
		attachVideos(t, ta, tutor, authz.Tutor, id)
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		tp.get(editor).Status(200).Contains(`id="checklist-ok"`, `id="to-published"`)
		sf.Set("version", fmt.Sprint(d.Version))
		tp.post(editor+"/status", sf).Status(303)
		ta.Get(api).Status(200).JSON(&d)
		if d.Status != "published" {
			t.Fatalf("status %s", d.Status)
		}
		pagesAs(ta, nil).get("/courses").Status(200).Contains("Go로 만드는 서버")

		// Published, the course stays complete: a new quiz without content
		// is refused on its row, with how to add one; without it the
		// outline saves.
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		var rows []string
		for _, l := range d.Lectures {
			lk := fmt.Sprintf("l%d", l.ID)
			rows = append(rows, lk, l.Title)
			for _, tpc := range l.Topics {
				rows = append(rows, tk(lk, tpc.ID), tpc.Title)
			}
		}
		withNew := append(append([]string(nil), rows...), fmt.Sprintf("l%d/m1", d.Lectures[0].ID), "quiz:새 퀴즈")
		tp.post(editor+"/outline", outlineForm(d.Version, withNew...)).Status(422).Contains(
			`id="tt-m1-error">공개 중인 강좌라 내용이 빈 퀴즈 토픽은 추가할 수 없어요.`,
			"표시된 토픽을 지우면(되돌리기 가능) 나머지는 저장돼요", `value="새 퀴즈"`)
		tp.post(editor+"/outline", outlineForm(d.Version, rows...)).Status(303)
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)

		// Settings: saved as of their version.
		settings := editor + "/settings"
		tp.get(settings).Status(200).Contains(`value="Go로 만드는 서버"`, `<option value="backend" selected>`, `name="thumbnail"`, `id="tab-outline"`)
		form := courseForm("go-server", "Go로 만드는 웹 서버")
		form.Set("version", fmt.Sprint(d.Version))
		tp.post(settings, form).Status(303)
		form.Set("title", "늦은 탭")
		tp.post(settings, form).Status(409).Contains(`id="stale-alert"`, `value="늦은 탭"`, "내 변경으로 덮어쓰기")
		ta.Get(api).Status(200).JSON(&d)
		if d.Title != "Go로 만드는 웹 서버" {
			t.Fatalf("title %q", d.Title)
		}
		// Two tabs with the form as loaded (its base): the second save is
		// refused, takes the first's changes where it changed nothing,
		// keeps its own, names the field both changed; saved again, both
		// tabs' changes stay.
		loaded := tp.get(settings).Status(200)
		base := regexp.MustCompile(`name="base" value="([^"]+)"`).FindStringSubmatch(body(loaded))
		if base == nil {
			t.Fatal("the settings form has no base")
		}
		tabA, tabB := courseForm("go-server", "Go로 만드는 웹 서버"), courseForm("go-server", "Go로 만드는 웹 서버")
		ta.Get(api).Status(200).JSON(&d)
		for _, f := range []url.Values{tabA, tabB} {
			f.Set("version", fmt.Sprint(d.Version))
			f.Set("base", base[1])
			f.Set("description", "## 소개\n\n본문") // as the page shows it
		}
		tabA.Set("summary", "A 탭의 소개")
		tabA.Set("price", "25000")
		tp.post(settings, tabA).Status(303)
		tabB.Set("price", "30000")
		tabB.Set("tags", "go, 웹")
		stale = tp.post(settings, tabB).Status(409)
		stale.Contains(`id="stale-taken"`, `value="A 탭의 소개"`, `value="go, 웹"`, `id="stale-conflicts"`, "<strong>가격(원)</strong>: 먼저 저장된 값 <q>25000</q>",
			`value="30000"`, "내 변경으로 덮어쓰기").NotContains(`value="한 줄 소개"`)
		merged := url.Values{}
		for _, n := range []string{"title", "slug", "summary", "description", "category", "skill_level", "price", "access_days",
			"credits", "estimated_hours", "tags", "prerequisites", "version", "base"} {
			v := regexp.MustCompile(`name="` + n + `"[^>]*value="([^"]*)"`).FindStringSubmatch(body(stale))
			switch n {
			case "description":
				v = regexp.MustCompile(`name="description"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(body(stale))
			case "category", "skill_level":
				v = regexp.MustCompile(`(?s)name="` + n + `".*?<option value="([^"]*)" selected>`).FindStringSubmatch(body(stale))
			}
			if v == nil {
				t.Fatalf("the merged form lacks %s", n)
			}
			merged.Set(n, html.UnescapeString(v[1]))
		}
		tp.post(settings, merged).Status(303)
		ta.Get(api).Status(200).JSON(&d)
		if d.Summary != "A 탭의 소개" || d.Price != 30000 || strings.Join(d.Tags, ",") != "go,웹" || d.Title != "Go로 만드는 웹 서버" {
			t.Fatalf("after the merged save: %q %d %v %q", d.Summary, d.Price, d.Tags, d.Title)
		}

		bad = courseForm("go-server", "")
		bad.Set("version", fmt.Sprint(d.Version))
		tp.post(settings, bad).Status(422).Contains(`id="f-title-error"`)

		// The old address leads to the editor; others are kept out.
		if loc := tp.get(editor + "/edit").Status(301).Header.Get("Location"); loc != editor {
			t.Fatalf("/edit → %q", loc)
		}
		op := pagesAs(ta, &other)
		op.get(editor).Status(403)
		op.post(editor+"/outline", outlineForm(d.Version, l1, "탈취")).Status(403)
		op.post(editor+"/status", sf).Status(403)
		op.get(settings).Status(403)
		sp.get(editor).Status(403)
		pagesAs(ta, &admin).get(editor).Status(200).Contains("Go로 만드는 웹 서버")
		pagesAs(ta, &admin).get(fmt.Sprintf("/courses/%d", id)).Status(200).Contains(`id="edit-button"`)
		tp.get("/studio/courses/999999").Status(404)
	})
}

// The page catalogs have the same keys in Korean and English.
func TestPageLocalesComplete(t *testing.T) {
	keys := func(file string) map[string]string {
		var m map[string]string
		if _, err := toml.DecodeFile(file, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ko, en := keys("locales/pages.ko.toml"), keys("locales/pages.en.toml")
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

// noShop is an instance that sells nothing (no payment provider).
type noShop struct{}

func (noShop) CourseBuyURL(int64) string     { return "" }
func (noShop) CurriculumBuyURL(int64) string { return "" }

// shop stands in for the module that sells access (catalog.Storefront).
type shop struct{}

func (shop) CourseBuyURL(id int64) string     { return fmt.Sprintf("/checkout?course=%d", id) }
func (shop) CurriculumBuyURL(id int64) string { return fmt.Sprintf("/checkout?curriculum=%d", id) }

// Short videos are counted in seconds, so parts and the whole agree: three
// 10-second chapters are "10초" each and "30초" together (every clip was
// rounded up to a minute: "1분" each, "1분" in all).
func TestCoursePageShortVideos(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		c := sampleCourse("short-clips", "짧은 영상 강좌", 3, 1)
		for _, l := range c["lectures"].([]map[string]any) {
			l["topics"].([]map[string]any)[0]["duration"] = 10
		}
		c["status"] = "published"
		id := create(t, ta, tutor, c)
		r := pagesAs(ta, nil).get(fmt.Sprintf("/courses/%d", id)).Status(200)
		r.Contains("영상 30초", "영상 10초").NotContains("영상 1분")
		if n := strings.Count(string(r.Body), "영상 10초"); n != 3 {
			t.Fatalf("%d chapters say 영상 10초, want 3", n)
		}
	})
}

// The course page's main button says what the caller can do: start a free
// course, continue one they have access to, or — when nothing is sold here
// and they have no access — who can give it.
func TestCoursePageAccessButton(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		free := sampleCourse("free", "무료 강좌", 1, 1)
		free["price"] = 0
		fid := create(t, ta, tutor, free)
		pid := create(t, ta, tutor, sampleCourse("paid", "유료 강좌", 1, 1))
		fpath, ppath := fmt.Sprintf("/courses/%d", fid), fmt.Sprintf("/courses/%d", pid)
		testkit.Must(t, ta.App.ReplaceProvider(noShop{})) // nothing is sold here
		for _, u := range []*user{nil, &student} {
			pagesAs(ta, u).get(fpath).Status(200).Contains(`id="start-button"`, fmt.Sprintf(`href="/learn/%d"`, fid), "무료로 시작하기").
				NotContains(`id="access-note"`)
		}
		pagesAs(ta, &student).get(ppath).Status(200).Contains(`id="access-note"`, "수강 권한은 강사나 관리자가 줄 수 있어요").
			NotContains(`id="start-button"`, `id="continue-button"`)
		pagesAs(ta, nil).get(ppath).Status(200).NotContains(`id="access-note"`, `id="start-button"`).Contains("이미 수강 중인가요?")
		pagesAs(ta, &student).get(ppath + "?lang=en").Status(200).Contains("Its tutor or an admin can give you access.")
		// Given access by hand, the learner continues in the classroom.
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", pid),
			map[string]any{"email": "student@example.com", "reason": "장학생"}, as(tutor)...).Status(201)
		pagesAs(ta, &student).get(ppath).Status(200).Contains(`id="continue-button"`, fmt.Sprintf(`href="/learn/%d"`, pid), "이어서 학습하기").
			NotContains(`id="access-note"`)
	})
}
