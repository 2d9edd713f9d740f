package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

const pw = "correct-horse-battery-9"

type user struct {
	ID    int64
	Token string
}

func newUser(t *testing.T, ta *apptest.T, name, role string) user {
	t.Helper()
	var u user
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": name + "@example.com",
		"password": pw, "password_confirm": pw, "nickname": name}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

// standardKinds is the registry app builds: the standard kinds and graders.
func standardKinds(t testing.TB) *catalog.Kinds {
	t.Helper()
	k := catalog.StandardKinds()
	for _, g := range catalog.StandardGraders() {
		testkit.Must(t, k.RegisterGrader(g))
	}
	return k
}

func as(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

func choices(correct int) []map[string]any {
	out := []map[string]any{}
	for i := 0; i < 5; i++ {
		out = append(out, map[string]any{"text": fmt.Sprintf("보기 %d", i+1), "correct": i == correct})
	}
	return out
}

// sampleCourse is a course with every topic kind; lectures × topics scale it.
func sampleCourse(slug, title string, lectures, topics int) map[string]any {
	ls := []map[string]any{}
	for i := 0; i < lectures; i++ {
		ts := []map[string]any{}
		for j := 0; j < topics; j++ {
			s := fmt.Sprintf("t%d-%d", i, j)
			switch j % 4 {
			case 0:
				ts = append(ts, map[string]any{"slug": s, "title": "영상 " + s, "kind": "video", "premium": i > 0, "duration": 60, "notes": "영상 노트"})
			case 1:
				ts = append(ts, map[string]any{"slug": s, "title": "글 " + s, "kind": "article", "premium": i > 0, "body": "# 제목\n\n본문 **강조** <script>alert(1)</script>"})
			case 2:
				ts = append(ts, map[string]any{"slug": s, "title": "퀴즈 " + s, "kind": "quiz", "premium": i > 0, "questions": []map[string]any{
					{"prompt": "HTML의 뜻은?", "explanation": "HyperText Markup Language", "choices": choices(2)}}})
			default:
				ts = append(ts, map[string]any{"slug": s, "title": "과제 " + s, "kind": "assignment", "premium": i > 0, "assignment": map[string]any{
					"prompt": "두 수를 더하세요", "grader": "javascript", "function": "sum", "starter_code": "function sum(a, b) {}",
					"solution": "function sum(a, b) { return a + b }",
					"tests":    []map[string]any{{"name": "공개", "args": []any{1, 2}, "expect": 3}, {"name": "비밀테스트", "hidden": true, "args": []any{2, 2}, "expect": 4}}}})
			}
		}
		ls = append(ls, map[string]any{"slug": fmt.Sprintf("l%d", i), "title": fmt.Sprintf("강의 %d", i), "topics": ts})
	}
	return map[string]any{"slug": slug, "title": title, "summary": "요약 " + title, "description": "설명 " + title,
		"category": "javascript", "skill_level": "beginner", "price": 12900, "credits": 3, "estimated_hours": 10,
		"tags": []string{"js"}, "status": "published", "lectures": ls}
}

func create(t *testing.T, ta *apptest.T, u user, body map[string]any) int64 {
	t.Helper()
	var c struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/courses/", body, as(u)...).Status(201).JSON(&c)
	return c.ID
}

func TestGatingAndSecrets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		id := create(t, ta, tutor, sampleCourse("js-101", "자바스크립트 입문", 2, 4))
		url := fmt.Sprintf("/api/courses/%d/", id)
		for name, resp := range map[string]*testkit.Response{
			"anonymous": ta.Get(url), "student": ta.Get(url, as(student)...),
		} {
			resp.Status(200).NotContains("is_correct", "비밀테스트", "return a + b", "HyperText Markup Language")
			var d catalog.CourseDetail
			resp.JSON(&d)
			if body := d.Lectures[0].Topics[1].Content.BodyHTML; strings.Contains(body, "<script") || !strings.Contains(body, "<strong>강조</strong>") {
				t.Fatalf("%s: article HTML %q", name, body)
			}
			if d.Entitled || d.Editable {
				t.Fatalf("%s: entitled/editable %+v", name, d)
			}
			for _, l := range d.Lectures {
				for _, tp := range l.Topics {
					switch {
					case tp.Premium && (tp.Content != nil || !tp.Locked):
						t.Fatalf("%s: premium topic %s has content", name, tp.Slug)
					case !tp.Premium && tp.Content == nil:
						t.Fatalf("%s: free topic %s has no content", name, tp.Slug)
					}
					if tp.Title == "" {
						t.Fatalf("%s: premium titles must show", name)
					}
				}
			}
		}
		// Free quizzes and assignments do reach learners, without their
		// answers (the checks above would pass vacuously otherwise).
		var anon catalog.CourseDetail
		ta.Get(url).JSON(&anon)
		quiz, asg := anon.Lectures[0].Topics[2].Content, anon.Lectures[0].Topics[3].Content
		if quiz == nil || len(quiz.Questions) != 1 || len(quiz.Questions[0].Choices) != 5 || asg == nil || asg.Assignment == nil ||
			len(asg.Assignment.Tests) != 1 || asg.Assignment.StarterCode == "" {
			t.Fatalf("free quiz/assignment content: %+v %+v", quiz, asg)
		}
		// The author sees everything.
		var d catalog.CourseDetail
		ta.Get(url, as(tutor)...).Status(200).Contains(`"is_correct":true`, "비밀테스트", "return a + b").JSON(&d)
		if !d.Entitled || !d.Editable || d.LectureCount != 2 || d.TopicCount != 8 || d.VideoSeconds != 120 {
			t.Fatalf("author view %+v", d.CourseSummary)
		}
	})
}

func TestOwnershipPatchAndTree(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := newUser(t, ta, "tutora", "tutor")
		b := newUser(t, ta, "tutorb", "tutor")
		admin := newUser(t, ta, "admin", "admin")
		id := create(t, ta, a, sampleCourse("owned", "남의 강좌", 2, 4))
		url := fmt.Sprintf("/api/courses/%d/", id)
		ta.Request(http.MethodPatch, url, map[string]any{"title": "탈취"}, as(b)...).Problem(403, "authz.forbidden")
		ta.Request(http.MethodDelete, url, nil, as(b)...).Problem(403, "")
		ta.Request(http.MethodPatch, url, map[string]any{"title": "탈취"}).Problem(401, "")

		// PATCH of one field leaves the rest unchanged.
		var before, after catalog.CourseDetail
		ta.Get(url, as(a)...).JSON(&before)
		ta.Request(http.MethodPatch, url, map[string]any{"price": 9900}, as(a)...).Status(200).JSON(&after)
		if after.Price != 9900 {
			t.Fatalf("price %d", after.Price)
		}
		before.Price, before.UpdatedAt, before.Version = after.Price, after.UpdatedAt, after.Version
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("PATCH changed more than the price:\n%+v\n%+v", before, after)
		}
		ta.Request(http.MethodPatch, url, map[string]any{"category": "cooking"}, as(a)...).Problem(422, "")
		ta.Request(http.MethodPatch, url, map[string]any{"price": -1}, as(a)...).Problem(422, "")

		// A tree update keeps the ids it names (by id or by slug), moves and
		// reorders them, and soft-deletes the rest.
		l0, l1 := before.Lectures[0], before.Lectures[1]
		tree := map[string]any{"lectures": []map[string]any{
			{"id": l1.ID, "slug": "renamed", "title": "두 번째가 첫 번째로", "topics": []map[string]any{
				{"id": l0.Topics[0].ID, "slug": "moved-video", "title": "옮긴 영상", "kind": "video", "duration": 30},
				{"slug": l1.Topics[1].Slug, "title": "슬러그로 찾은 글", "kind": "article", "body": "글"},
				{"slug": "brand-new", "title": "새 글", "kind": "article", "body": "새 본문"},
			}},
			{"slug": l0.Slug, "title": l0.Title, "topics": []map[string]any{
				{"slug": l0.Topics[1].Slug, "title": "그대로", "kind": "article", "body": "본문"},
			}},
		}}
		var upd catalog.CourseDetail
		ta.Request(http.MethodPatch, url, tree, as(a)...).Status(200).JSON(&upd)
		if upd.Lectures[0].ID != l1.ID || upd.Lectures[1].ID != l0.ID {
			t.Fatalf("lecture ids not kept: %d %d", upd.Lectures[0].ID, upd.Lectures[1].ID)
		}
		got := []int64{upd.Lectures[0].Topics[0].ID, upd.Lectures[0].Topics[1].ID, upd.Lectures[1].Topics[0].ID}
		want := []int64{l0.Topics[0].ID, l1.Topics[1].ID, l0.Topics[1].ID}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("topic ids %v, want %v", got, want)
		}
		if upd.Lectures[0].Topics[2].ID <= 0 || upd.TopicCount != 4 || upd.Title != "남의 강좌" {
			t.Fatalf("tree %+v", upd.CourseSummary)
		}
		deleted, err := ta.App.DB.R.NewSelect().Table("catalog_topics").Where("course_id = ?", id).Where("deleted_at IS NOT NULL").Count(context.Background())
		testkit.Must(t, err)
		if deleted != 5 { // 8 topics, 3 kept
			t.Fatalf("%d topics soft-deleted, want 5", deleted)
		}
		// Swapping two slugs in one update does not trip the unique index.
		swap := map[string]any{"lectures": []map[string]any{
			{"id": l0.ID, "slug": "renamed", "title": "A", "topics": []map[string]any{{"slug": "x", "title": "x", "kind": "article", "body": "x"}}},
			{"id": l1.ID, "slug": l0.Slug, "title": "B", "topics": []map[string]any{{"slug": "y", "title": "y", "kind": "article", "body": "y"}}},
		}}
		ta.Request(http.MethodPatch, url, swap, as(a)...).Status(200)
		// Another course's topic cannot be adopted.
		other := create(t, ta, a, sampleCourse("other", "다른 강좌", 1, 1))
		var od catalog.CourseDetail
		ta.Get(fmt.Sprintf("/api/courses/%d/", other), as(a)...).JSON(&od)
		steal := map[string]any{"lectures": []map[string]any{{"slug": "s", "title": "s", "topics": []map[string]any{
			{"id": od.Lectures[0].Topics[0].ID, "slug": "s", "title": "s", "kind": "video"}}}}}
		ta.Request(http.MethodPatch, url, steal, as(a)...).Problem(422, "")
		// Admins may edit anyone's course; soft delete hides it.
		ta.Request(http.MethodPatch, url, map[string]any{"summary": "관리자 수정"}, as(admin)...).Status(200)
		ta.Request(http.MethodDelete, url, nil, as(a)...).Status(204)
		ta.Get(url).Problem(404, "catalog.course_not_found")
	})
}

func TestValidation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		ta.Request(http.MethodPost, "/api/courses/", sampleCourse("x", "x", 1, 1), as(student)...).Problem(403, "")
		ta.Request(http.MethodPost, "/api/courses/", sampleCourse("x", "x", 1, 1)).Problem(401, "")
		bad := sampleCourse("bad", "잘못", 1, 3)
		q := bad["lectures"].([]map[string]any)[0]["topics"].([]map[string]any)[2]["questions"].([]map[string]any)[0]
		q["choices"] = choices(2)[:4]
		p := ta.Request(http.MethodPost, "/api/courses/", bad, as(tutor)...).Problem(422, "request.validation")
		if !strings.Contains(fmt.Sprint(p["errors"]), "body.lectures[0].topics[2].questions[0].choices") {
			t.Fatalf("errors %v", p["errors"])
		}
		two := choices(1)
		two[3]["correct"] = true
		q["choices"] = two
		ta.Request(http.MethodPost, "/api/courses/", bad, as(tutor)...).Problem(422, "")
		create(t, ta, tutor, sampleCourse("dup", "중복", 1, 1))
		ta.Request(http.MethodPost, "/api/courses/", sampleCourse("dup", "중복", 1, 1), as(tutor)...).Problem(409, "catalog.slug_taken")
		n, _ := ta.App.DB.R.NewSelect().Table("catalog_courses").Count(context.Background())
		if n != 1 {
			t.Fatalf("%d courses after refused creations", n)
		}
	})
}

func TestListFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		mk := func(slug, title, cat, level string, price int) {
			c := sampleCourse(slug, title, 1, 1)
			c["category"], c["skill_level"], c["price"] = cat, level, price
			create(t, ta, tutor, c)
		}
		mk("html", "HTML과 CSS 기초", "frontend", "beginner", 12900)
		mk("js", "JavaScript 기초", "javascript", "beginner", 0)
		mk("dom", "DOM과 비동기 JavaScript", "javascript", "intermediate", 14900)
		draft := sampleCourse("draft", "비공개 초안", 1, 1)
		draft["status"] = "draft"
		create(t, ta, tutor, draft)
		count := func(q string) int {
			var page struct{ Count int }
			ta.Get("/api/courses/?" + q).Status(200).JSON(&page)
			return page.Count
		}
		for q, want := range map[string]int{
			"": 3, "category=javascript": 2, "skill_level=intermediate": 1, "category=javascript&skill_level=beginner": 1,
			"search=javascript": 2, "search=JAVASCRIPT": 2, "search=비동기": 1, "search=기초": 2, "search=초안": 0,
			"price_level=free": 1, "price_level=paid": 2, "min_price=13000": 1, "max_price=13000": 2,
		} {
			if got := count(q); got != want {
				t.Errorf("?%s: %d courses, want %d", q, got, want)
			}
		}
		ta.Get("/api/courses/?category=cooking").Problem(422, "")
		var mine struct{ Count int }
		ta.Get("/api/courses/?mine=true", as(tutor)...).JSON(&mine)
		if mine.Count != 4 {
			t.Fatalf("mine: %d", mine.Count)
		}
	})
}

// Course detail takes the same number of queries whatever the outline's size.
func TestDetailQueryCount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		small := create(t, ta, tutor, sampleCourse("small", "작은 강좌", 1, 4))
		big := create(t, ta, tutor, sampleCourse("big", "큰 강좌", 12, 12))
		queries := func(id int64, who ...string) int64 {
			ta.Get(fmt.Sprintf("/api/courses/%d/", id), who...).Status(200) // warm
			before := ta.App.DB.QueryCount()
			ta.Get(fmt.Sprintf("/api/courses/%d/", id), who...).Status(200)
			return ta.App.DB.QueryCount() - before
		}
		for _, who := range [][]string{nil, as(tutor)} {
			s, b := queries(small, who...), queries(big, who...)
			if s != b || s > 12 {
				t.Fatalf("detail queries: small %d, big %d", s, b)
			}
		}
		ls := ta.App.DB.QueryCount()
		ta.Get("/api/courses/?page_size=100").Status(200)
		if n := ta.App.DB.QueryCount() - ls; n > 6 {
			t.Fatalf("list took %d queries", n)
		}
	})
}

func TestCurriculumAndRoadmap(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		c1 := create(t, ta, tutor, sampleCourse("c1", "첫 강좌", 1, 1))
		c2 := create(t, ta, tutor, sampleCourse("c2", "둘째 강좌", 1, 1))
		foreign := create(t, ta, other, sampleCourse("c3", "남의 강좌", 1, 1))
		body := map[string]any{"slug": "nd", "title": "나노 디그리", "summary": "요약", "description": "설명", "category": "frontend",
			"skill_level": "beginner", "price": 50000, "access_days": 730, "tags": []string{}, "status": "published", "course_ids": []int64{c2, c1}}
		body["course_ids"] = []int64{c2, foreign}
		ta.Request(http.MethodPost, "/api/curriculums/", body, as(tutor)...).Problem(422, "")
		body["course_ids"] = []int64{c2, c1}
		var cu catalog.CurriculumDetail
		ta.Request(http.MethodPost, "/api/curriculums/", body, as(tutor)...).Status(201).JSON(&cu)
		if len(cu.Courses) != 2 || cu.Courses[0].ID != c2 || cu.CourseCount != 2 {
			t.Fatalf("curriculum %+v", cu)
		}
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/curriculums/%d/", cu.ID), map[string]any{"price": 40000}, as(other)...).Problem(403, "")
		ta.Get("/api/curriculums/?search=나노").Status(200).Contains(`"count":1`)
		var rm catalog.Roadmap
		ta.Get("/api/roadmap/").Status(200).JSON(&rm)
		if len(rm.Courses) != 2 || rm.Courses[0].Status != "" {
			t.Fatalf("anonymous roadmap %+v", rm)
		}
		ta.Get("/api/roadmap/", as(student)...).JSON(&rm)
		if rm.Courses[0].Status != catalog.StatusLocked {
			t.Fatalf("student roadmap %+v", rm.Courses[0].Status)
		}
		ta.Get("/api/roadmap/?curriculum=nd", as(tutor)...).JSON(&rm)
		if rm.Courses[1].Status != catalog.StatusOwned {
			t.Fatalf("author roadmap %+v", rm.Courses[1].Status)
		}
		ta.Get("/api/roadmap/?curriculum=nope").Problem(404, "")
	})
}

// Importing the same bundle twice leaves the database exactly as it was.
func TestImportIdempotent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		mk := func() *catalog.Bundle {
			var c1, c2 catalog.CourseInput
			for _, pair := range []struct {
				dst  *catalog.CourseInput
				body map[string]any
			}{{&c1, sampleCourse("imp-a", "가져온 강좌 A", 2, 4)}, {&c2, sampleCourse("imp-b", "가져온 강좌 B", 1, 3)}} {
				raw, _ := json.Marshal(pair.body)
				testkit.Must(t, json.Unmarshal(raw, pair.dst))
			}
			c2.Prerequisites = []string{"imp-a"}
			return &catalog.Bundle{Curriculum: &catalog.CurriculumInput{Slug: "imp", Title: "가져온 과정", Category: "frontend",
				SkillLevel: "beginner", Price: 50000, AccessDays: 730, Status: "published", Courses: []string{"imp-a", "imp-b"}},
				Courses: []catalog.CourseInput{c1, c2}}
		}
		rep, err := ta.App.ImportBundle(ctx, mk())
		testkit.Must(t, err)
		if len(rep.Created) != 3 {
			t.Fatalf("first import %+v", rep)
		}
		snap := snapshot(t, ta)
		rep, err = ta.App.ImportBundle(ctx, mk())
		testkit.Must(t, err)
		if len(rep.Unchanged) != 3 || len(rep.Updated)+len(rep.Created) != 0 {
			t.Fatalf("second import %+v", rep)
		}
		if again := snapshot(t, ta); again != snap {
			t.Fatal("a second import changed the database")
		}
		// An edited bundle updates in place, keeping ids.
		b := mk()
		b.Courses[0].Lectures[0].Topics[0].Title = "고친 제목"
		rep, err = ta.App.ImportBundle(ctx, b)
		testkit.Must(t, err)
		if len(rep.Updated) != 1 || rep.Updated[0] != "imp-a" {
			t.Fatalf("edit import %+v", rep)
		}
		if after := snapshot(t, ta); strings.Count(after, "\n") != strings.Count(snap, "\n") {
			t.Fatal("an edit changed the number of rows")
		}
	})
}

// snapshot dumps the catalog tables in a stable order.
func snapshot(t *testing.T, ta *apptest.T) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"catalog_curriculums", "catalog_courses", "catalog_prerequisites", "catalog_lectures",
		"catalog_topics", "catalog_questions", "catalog_choices"} {
		rows, err := ta.App.DB.R.QueryContext(context.Background(), "SELECT * FROM "+table+" ORDER BY 1, 2")
		testkit.Must(t, err)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			testkit.Must(t, rows.Scan(ptrs...))
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

func TestReviewRegressions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := newUser(t, ta, "tutora", "tutor")
		b := newUser(t, ta, "tutorb", "tutor")
		base := create(t, ta, a, sampleCourse("base", "기초", 1, 1))
		c := sampleCourse("next", "다음", 1, 3)
		c["prerequisites"] = []string{"base"}
		id := create(t, ta, a, c)
		url := fmt.Sprintf("/api/courses/%d/", id)
		var d catalog.CourseDetail
		ta.Get(url, as(a)...).JSON(&d)

		// A PATCH of the outline alone keeps the prerequisites.
		ta.Request(http.MethodPatch, url, map[string]any{"lectures": c["lectures"]}, as(a)...).Status(200).JSON(&d)
		if len(d.Prerequisites) != 1 || d.Prerequisites[0].ID != base {
			t.Fatalf("prerequisites after an outline PATCH: %+v", d.Prerequisites)
		}
		// A cycle is refused.
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", base), map[string]any{"prerequisites": []string{"next"}}, as(a)...).
			Problem(422, "")
		// Another tutor's draft cannot be named (nor detected).
		draft := sampleCourse("secret-plan", "비밀", 1, 1)
		draft["status"] = "draft"
		create(t, ta, a, draft)
		other := sampleCourse("bs", "남의 것", 1, 1)
		other["prerequisites"] = []string{"secret-plan"}
		ta.Request(http.MethodPost, "/api/courses/", other, as(b)...).Problem(422, "")

		// Question ids keep their meaning: deleting the first question does
		// not shift the others onto its id.
		lectures := []map[string]any{{"slug": "l0", "title": "강의", "topics": []map[string]any{{"slug": "q", "title": "퀴즈", "kind": "quiz",
			"questions": []map[string]any{
				{"prompt": "첫 문제", "choices": choices(0)}, {"prompt": "둘째 문제", "choices": choices(1)}, {"prompt": "셋째 문제", "choices": choices(2)}}}}}}
		ta.Request(http.MethodPatch, url, map[string]any{"lectures": lectures}, as(a)...).Status(200).JSON(&d)
		qs := d.Lectures[0].Topics[0].Content.Questions
		second := qs[1]
		lectures[0]["topics"].([]map[string]any)[0]["questions"] = []map[string]any{
			{"prompt": "둘째 문제", "choices": choices(1)}, {"prompt": "셋째 문제", "choices": choices(2)}}
		var d2 catalog.CourseDetail // a fresh value: decoding into d would reuse the slices second shares
		ta.Request(http.MethodPatch, url, map[string]any{"lectures": lectures}, as(a)...).Status(200).JSON(&d2)
		now := d2.Lectures[0].Topics[0].Content.Questions[0]
		if now.ID != second.ID || now.Prompt != "둘째 문제" || now.Choices[1].ID != second.Choices[1].ID || !*now.Choices[1].IsCorrect {
			t.Fatalf("question ids shifted: %+v vs %+v", now, second)
		}
		// Swapped slugs keep their ids.
		two := sampleCourse("swap", "교환", 2, 1)
		sid := create(t, ta, a, two)
		var sd catalog.CourseDetail
		ta.Get(fmt.Sprintf("/api/courses/%d/", sid), as(a)...).JSON(&sd)
		l0, l1 := sd.Lectures[0], sd.Lectures[1]
		swap := []map[string]any{
			{"id": l0.ID, "slug": l1.Slug, "title": "A", "topics": []map[string]any{{"slug": "x", "title": "x", "kind": "article", "body": "x"}}},
			{"id": l1.ID, "slug": l0.Slug, "title": "B", "topics": []map[string]any{{"slug": "y", "title": "y", "kind": "article", "body": "y"}}},
		}
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", sid), map[string]any{"lectures": swap}, as(a)...).Status(200).JSON(&sd)
		if sd.Lectures[0].ID != l0.ID || sd.Lectures[0].Slug != l1.Slug || sd.Lectures[1].ID != l1.ID {
			t.Fatalf("swap: %+v", sd.Lectures)
		}
		// NUL bytes are bad input, not a 500.
		bad := sampleCourse("nul", "a\x00b", 1, 1)
		ta.Request(http.MethodPost, "/api/courses/", bad, as(a)...).Problem(422, "")
		ta.Get("/api/courses/?search=a%00b").Problem(400, "")
		// An import never takes over a course someone else wrote.
		var in catalog.CourseInput
		raw, _ := json.Marshal(sampleCourse("base", "가로채기", 1, 1))
		testkit.Must(t, json.Unmarshal(raw, &in))
		if _, err := ta.App.ImportBundle(context.Background(), &catalog.Bundle{Courses: []catalog.CourseInput{in}}); err == nil {
			t.Fatal("import replaced another author's course")
		}
	})
}

// Two concurrent PATCHes of one course both apply (the row is locked).
func TestConcurrentPatches(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := newUser(t, ta, "tutora", "tutor")
		id := create(t, ta, a, sampleCourse("race", "경쟁", 1, 1))
		url := fmt.Sprintf("/api/courses/%d/", id)
		for round := 0; round < 10; round++ {
			done := make(chan struct{}, 2)
			price, title := int64(1000+round), fmt.Sprintf("제목 %d", round)
			go func() {
				ta.Request(http.MethodPatch, url, map[string]any{"price": price}, as(a)...)
				done <- struct{}{}
			}()
			go func() {
				ta.Request(http.MethodPatch, url, map[string]any{"title": title}, as(a)...)
				done <- struct{}{}
			}()
			<-done
			<-done
			var d catalog.CourseDetail
			ta.Get(url, as(a)...).JSON(&d)
			if d.Price != price || d.Title != title {
				t.Fatalf("round %d: lost an update: price %d title %q", round, d.Price, d.Title)
			}
		}
	})
}

// The media gate: intro videos and free topics' videos are public; premium
// ones are for editors (and, later, entitled learners); only editors attach.
func TestMediaGate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		a := newUser(t, ta, "tutora", "tutor")
		b := newUser(t, ta, "tutorb", "tutor")
		id := create(t, ta, a, sampleCourse("media", "미디어", 2, 1))
		var d catalog.CourseDetail
		ta.Get(fmt.Sprintf("/api/courses/%d/", id), as(a)...).JSON(&d)
		free, premium := d.Lectures[0].Topics[0], d.Lectures[1].Topics[0]
		gate := ta.App.CatalogMediaGate()
		pa := &authz.Principal{UserID: a.ID, Role: authz.Tutor}
		pb := &authz.Principal{UserID: b.ID, Role: authz.Tutor}
		testkit.Must(t, gate.SetTopicVideo(ctx, pa, free.ID, "media:video:1", 42))
		testkit.Must(t, gate.SetTopicVideo(ctx, pa, premium.ID, "media:video:2", 0))
		testkit.Must(t, gate.SetCourseMedia(ctx, pa, id, "intro_video", "media:video:3"))
		if err := gate.SetTopicVideo(ctx, pb, free.ID, "media:video:9", 0); err == nil {
			t.Fatal("another tutor attached a video")
		}
		if err := gate.SetCourseMedia(ctx, pa, id, "description", "x"); err == nil {
			t.Fatal("unknown field accepted")
		}
		// Media in use are not retired; retired media are never attached.
		usedBy, err := gate.RetireMedia(ctx, "media:video:3")
		if err != nil || len(usedBy) != 1 || usedBy[0] != "미디어" {
			t.Fatalf("RetireMedia of an intro video: %v, %v", usedBy, err)
		}
		usedBy, err = gate.RetireMedia(ctx, "media:video:77")
		if err != nil || len(usedBy) != 0 {
			t.Fatalf("RetireMedia of unused media: %v, %v", usedBy, err)
		}
		if _, err := gate.RetireMedia(ctx, "media:video:77"); err != nil {
			t.Fatalf("retiring twice: %v", err)
		}
		if err := gate.SetTopicVideo(ctx, pa, free.ID, "media:video:77", 0); !errors.Is(err, catalog.ErrMediaRetired) {
			t.Fatalf("attaching retired media: %v", err)
		}
		if err := gate.SetCourseMedia(ctx, pa, id, "thumbnail", "media:video:77"); !errors.Is(err, catalog.ErrMediaRetired) {
			t.Fatalf("attaching retired media to a course: %v", err)
		}
		for _, c := range []struct {
			p    *authz.Principal
			ref  string
			want bool
		}{
			{nil, "media:video:1", true}, {nil, "media:video:3", true}, {nil, "media:video:2", false},
			{pb, "media:video:2", false}, {pa, "media:video:2", true}, {nil, "media:video:404", false},
		} {
			got, err := gate.VideoAccess(ctx, c.p, c.ref)
			testkit.Must(t, err)
			if got != c.want {
				t.Errorf("VideoAccess(%v, %s) = %v, want %v", c.p, c.ref, got, c.want)
			}
		}
		ta.Get(fmt.Sprintf("/api/courses/%d/", id), as(a)...).JSON(&d)
		if d.Lectures[0].Topics[0].Duration != 42 || d.IntroVideo != "media:video:3" {
			t.Fatalf("attached media not recorded: %+v", d.Lectures[0].Topics[0])
		}
	})
}
