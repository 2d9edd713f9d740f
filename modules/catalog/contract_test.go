package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/testkit"
)

// minimal is a course as API.md's course input spells it: no slugs, the
// contract's field names.
func minimal(title string, lectures ...map[string]any) map[string]any {
	if len(lectures) == 0 {
		lectures = []map[string]any{{"title": "시작하기", "topics": []map[string]any{
			{"title": "환영합니다", "type": "video"}, {"title": "환영합니다", "type": "article", "body": "본문"}}}}
	}
	return map[string]any{"title": title, "short_description": "한 줄 소개", "category": "frontend",
		"skill_level": "beginner", "price": 0, "lectures": lectures}
}

func slugOf(t *testing.T, d catalog.CourseDetail) string {
	t.Helper()
	return d.Slug
}

// TestSlugsDerived: a client following API.md creates courses, curriculums,
// lectures and topics without slugs; each gets one derived from its title
// (Hangul romanised), unique where it must be, and kept when the title
// changes.
func TestSlugsDerived(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		post := func(body map[string]any) catalog.CourseDetail {
			t.Helper()
			var d catalog.CourseDetail
			ta.Request(http.MethodPost, "/api/courses/", body, as(tutor)...).Status(201).JSON(&d)
			return d
		}
		for _, tc := range []struct{ title, want string }{
			{"자바스크립트 입문", "jabaseukeuripteu-ipmun"},
			{"자바스크립트 입문", "jabaseukeuripteu-ipmun-2"},
			{"HTML & CSS Basics", "html-and-css-basics"},
			{"데이터베이스와 SQL 기초", "deiteobeiseuwa-sql-gicho"},
			{"!!!", "course"},
			{"★ ☆ ♥", "course-2"},
			{"  Ünïcödé — 日本語  ", "unicode-ri-ben-yu"},
			{strings.Repeat("아주 긴 제목 ", 20), ""},
		} {
			d := post(minimal(tc.title))
			if tc.want != "" && d.Slug != tc.want {
				t.Errorf("%q: slug %q, want %q", tc.title, d.Slug, tc.want)
			}
			if !catalog.ValidSlug(d.Slug) {
				t.Errorf("%q: slug %q is not a slug", tc.title, d.Slug)
			}
		}
		// An empty slug means "derive it" too; a slug given is kept as given.
		body := minimal("Git과 GitHub")
		body["slug"] = ""
		if s := slugOf(t, post(body)); s != "gitgwa-github" {
			t.Errorf("empty slug: %q", s)
		}
		body = minimal("Git과 GitHub")
		body["slug"] = "git-101"
		if s := slugOf(t, post(body)); s != "git-101" {
			t.Errorf("given slug: %q", s)
		}
		// A given slug that breaks the rule is still refused, by the schema.
		body["slug"] = "Git 101"
		ta.Request(http.MethodPost, "/api/courses/", body, as(tutor)...).Problem(422, "")
		// A slug taken by a deleted course is not derived again.
		gone := post(minimal("지워질 강좌"))
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/courses/%d/", gone.ID), nil, as(tutor)...).Status(204)
		if s := slugOf(t, post(minimal("지워질 강좌"))); s != gone.Slug+"-2" {
			t.Errorf("after a deleted one: %q", s)
		}

		// Lectures unique in the course, topics in their lecture.
		d := post(minimal("슬러그 없는 목차",
			map[string]any{"title": "소개", "topics": []map[string]any{
				{"title": "영상", "type": "video"}, {"title": "영상", "type": "video"}, {"title": "?!", "type": "article", "body": "x"}}},
			map[string]any{"title": "소개", "topics": []map[string]any{{"title": "영상", "type": "video"}}},
			map[string]any{"title": "###", "topics": []map[string]any{{"title": "퀴즈 없음", "type": "article", "body": "x"}}}))
		got := [][]string{}
		for _, l := range d.Lectures {
			row := []string{l.Slug}
			for _, tp := range l.Topics {
				row = append(row, tp.Slug)
			}
			got = append(got, row)
		}
		want := [][]string{{"sogae", "yeongsang", "yeongsang-2", "topic"}, {"sogae-2", "yeongsang"}, {"lecture", "kwijeu-eopeum"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("outline slugs %v, want %v", got, want)
		}

		// Stable: a new title keeps the course's slug (PATCH and PUT), and
		// lectures and topics named by id keep theirs without repeating them.
		url := fmt.Sprintf("/api/courses/%d/", d.ID)
		var after catalog.CourseDetail
		ta.Request(http.MethodPatch, url, map[string]any{"title": "완전히 새 제목"}, as(tutor)...).Status(200).JSON(&after)
		if after.Slug != d.Slug || after.Title != "완전히 새 제목" {
			t.Fatalf("after PATCH: %q %q", after.Slug, after.Title)
		}
		put := minimal("또 다른 제목", map[string]any{"id": d.Lectures[0].ID, "title": "새 소개", "topics": []map[string]any{
			{"id": d.Lectures[0].Topics[0].ID, "title": "새 영상", "type": "video"},
			{"title": "영상", "type": "video"}}})
		ta.Request(http.MethodPut, url, put, as(tutor)...).Status(200).JSON(&after)
		l := after.Lectures
		if after.Slug != d.Slug || len(l) != 1 || l[0].ID != d.Lectures[0].ID || l[0].Slug != "sogae" ||
			l[0].Topics[0].ID != d.Lectures[0].Topics[0].ID || l[0].Topics[0].Slug != "yeongsang" || l[0].Topics[1].Slug != "yeongsang-2" {
			t.Fatalf("after PUT: %+v", after)
		}

		// Curriculums likewise.
		var cu catalog.CurriculumDetail
		cur := map[string]any{"title": "웹 개발 나노디그리", "category": "frontend", "skill_level": "beginner", "price": 0,
			"course_ids": []int64{d.ID}}
		ta.Request(http.MethodPost, "/api/curriculums/", cur, as(tutor)...).Status(201).JSON(&cu)
		if cu.Slug != "wep-gaebal-nanodigeuri" || len(cu.Courses) != 1 {
			t.Fatalf("curriculum %q %d", cu.Slug, len(cu.Courses))
		}
		var cu2 catalog.CurriculumDetail
		ta.Request(http.MethodPost, "/api/curriculums/", cur, as(tutor)...).Status(201).JSON(&cu2)
		if cu2.Slug != cu.Slug+"-2" {
			t.Fatalf("second curriculum %q", cu2.Slug)
		}
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/curriculums/%d/", cu.ID), map[string]any{"title": "새 이름"}, as(tutor)...).
			Status(200).JSON(&cu2)
		if cu2.Slug != cu.Slug || cu2.Title != "새 이름" {
			t.Fatalf("curriculum after PATCH %q %q", cu2.Slug, cu2.Title)
		}
		delete(cur, "course_ids")
		cur["title"] = "다른 이름"
		ta.Request(http.MethodPut, fmt.Sprintf("/api/curriculums/%d/", cu.ID), cur, as(tutor)...).Status(200).JSON(&cu2)
		if cu2.Slug != cu.Slug {
			t.Fatalf("curriculum after PUT %q", cu2.Slug)
		}
	})
}

// TestSlugify: the romanisation and its bounds.
func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"안녕하세요": "annyeonghaseyo", "한국어": "hangukeo", "깃과 깃허브": "gitgwa-githeobeu", "닭갈비": "dakgalbi",
		"Node.js로 만드는 백엔드": "node-jsro-mandeuneun-baekendeu", "ㅋㅋㅋ": "kkk", "": "", "!!!": "", "1강 · 준비": "1gang-junbi",
	} {
		if got := catalog.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	long := catalog.Slugify(strings.Repeat("가나다라 ", 40))
	if len(long) > catalog.MaxSlugLength-8 || !catalog.ValidSlug(long) || strings.HasSuffix(long, "-") {
		t.Errorf("long title: %q (%d bytes)", long, len(long))
	}
}

// TestContractNames: requests and responses use API.md's names (type,
// is_premium, short_description); the old names are still read, and a
// request giving both with different values is refused and changes nothing.
func TestContractNames(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		body := minimal("계약대로", map[string]any{"title": "강의", "topics": []map[string]any{
			{"title": "무료", "type": "video"}, {"title": "유료", "type": "article", "is_premium": true, "body": "x"}}})
		body["status"] = "published"
		resp := ta.Request(http.MethodPost, "/api/courses/", body, as(tutor)...).Status(201)
		m := resp.Map()
		var d catalog.CourseDetail
		resp.JSON(&d)
		if m["short_description"] != "한 줄 소개" || m["summary"] != nil {
			t.Fatalf("course names: %v", m)
		}
		topics := m["lectures"].([]any)[0].(map[string]any)["topics"].([]any)
		paid := topics[1].(map[string]any)
		if paid["type"] != "article" || paid["is_premium"] != true || paid["kind"] != nil || paid["premium"] != nil {
			t.Fatalf("topic names: %v", paid)
		}
		// A visitor sees the premium topic locked: content null, present.
		anon := ta.Get(fmt.Sprintf("/api/courses/%d/", d.ID)).Status(200).Map()
		locked := anon["lectures"].([]any)[0].(map[string]any)["topics"].([]any)[1].(map[string]any)
		if c, ok := locked["content"]; !ok || c != nil || locked["locked"] != true {
			t.Fatalf("locked topic: %v", locked)
		}
		list := ta.Get("/api/courses/").Status(200).Map()
		if item := list["results"].([]any)[0].(map[string]any); item["short_description"] != "한 줄 소개" || item["summary"] != nil {
			t.Fatalf("list item: %v", item)
		}

		// The old names, alone or agreeing with the new ones.
		old := map[string]any{"title": "옛 이름", "summary": "옛 요약", "short_description": "옛 요약", "category": "frontend",
			"skill_level": "beginner", "price": 0, "lectures": []map[string]any{{"title": "강의", "topics": []map[string]any{
				{"title": "유료", "kind": "article", "premium": true, "body": "x"},
				{"title": "무료", "kind": "video", "type": "video", "Premium": false}}}}}
		var o catalog.CourseDetail
		ta.Request(http.MethodPost, "/api/courses/", old, as(tutor)...).Status(201).JSON(&o)
		if o.Summary != "옛 요약" || o.Lectures[0].Topics[0].Kind != "article" || !o.Lectures[0].Topics[0].Premium ||
			o.Lectures[0].Topics[1].Kind != "video" {
			t.Fatalf("old names: %+v", o)
		}

		// Both names, different values: 422 at the new name, nothing saved.
		count := func() int {
			return int(ta.Get("/api/courses/?mine=true", as(tutor)...).Status(200).Map()["count"].(float64))
		}
		before := count()
		clash := minimal("충돌")
		clash["summary"] = "다른 요약"
		p := ta.Request(http.MethodPost, "/api/courses/", clash, as(tutor)...).Problem(422, "request.validation")
		if errs := fmt.Sprint(p["errors"]); !strings.Contains(errs, "body.short_description") {
			t.Fatalf("course clash: %v", errs)
		}
		clash = minimal("충돌", map[string]any{"title": "강의", "topics": []map[string]any{
			{"title": "글", "type": "article", "kind": "video", "body": "x"},
			{"title": "글", "type": "article", "is_premium": false, "premium": true, "body": "x"}}})
		p = ta.Request(http.MethodPost, "/api/courses/", clash, as(tutor)...).Problem(422, "request.validation")
		errs := fmt.Sprint(p["errors"])
		for _, loc := range []string{"body.lectures[0].topics[0].type", "body.lectures[0].topics[1].is_premium"} {
			if !strings.Contains(errs, loc) {
				t.Fatalf("topic clash lacks %s: %v", loc, errs)
			}
		}
		if count() != before {
			t.Fatal("a refused course was saved")
		}
		url := fmt.Sprintf("/api/courses/%d/", d.ID)
		ta.Request(http.MethodPatch, url, map[string]any{"summary": "a", "short_description": "b"}, as(tutor)...).Problem(422, "request.validation")
		ta.Request(http.MethodPatch, url, map[string]any{"summary": "패치한 요약"}, as(tutor)...).Status(200).JSON(&o)
		if o.Summary != "패치한 요약" {
			t.Fatalf("PATCH with the old name: %q", o.Summary)
		}

		// Curriculums: short_description, summary read as its alias.
		var cu catalog.CurriculumDetail
		cur := map[string]any{"title": "커리큘럼", "summary": "옛 요약", "category": "frontend", "skill_level": "beginner", "price": 0}
		cm := ta.Request(http.MethodPost, "/api/curriculums/", cur, as(tutor)...).Status(201)
		cm.JSON(&cu)
		if cu.Summary != "옛 요약" || cm.Map()["summary"] != nil {
			t.Fatalf("curriculum: %v", cm.Map())
		}
		cur["short_description"] = "새 요약"
		ta.Request(http.MethodPost, "/api/curriculums/", cur, as(tutor)...).Problem(422, "request.validation")
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/curriculums/%d/", cu.ID), map[string]any{"summary": "a", "short_description": "b"},
			as(tutor)...).Problem(422, "request.validation")
		rm := ta.Get("/api/roadmap/?curriculum="+cu.Slug, as(tutor)...).Status(200).Map()
		if c := rm["curriculum"].(map[string]any); c["short_description"] != "옛 요약" {
			t.Fatalf("roadmap curriculum: %v", c)
		}
	})
}

// TestSchemaRules: the OpenAPI document carries the validators' lists and
// rules, the old names as deprecated properties, and a locked topic's null
// content; the server enforces them as documented.
func TestSchemaRules(t *testing.T) {
	ta := apptest.New(t, "sqlite")
	var doc struct {
		Paths      map[string]map[string]map[string]any
		Components struct{ Schemas map[string]map[string]any }
	}
	ta.Get("/api/openapi.json").Status(200).JSON(&doc)
	prop := func(schema, name string) map[string]any {
		t.Helper()
		props, _ := doc.Components.Schemas[schema]["properties"].(map[string]any)
		p, ok := props[name].(map[string]any)
		if !ok {
			t.Fatalf("%s has no property %s", schema, name)
		}
		return p
	}
	enum := func(p map[string]any) []string {
		var out []string
		for _, v := range p["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	for _, tc := range []struct {
		schema, prop string
		want         []string
	}{
		{"CourseInput", "category", catalog.Categories}, {"CourseInput", "skill_level", catalog.SkillLevels},
		{"CourseInput", "status", catalog.Statuses}, {"CoursePatch", "category", catalog.Categories},
		{"CurriculumBody", "status", catalog.Statuses}, {"CurriculumPatch", "skill_level", catalog.SkillLevels},
		{"TopicInput", "mission", catalog.Missions}, {"TopicInput", "type", []string{"article", "assignment", "quiz", "video"}},
		{"TopicInput", "kind", []string{"article", "assignment", "quiz", "video"}}, {"Topic", "type", []string{"article", "assignment", "quiz", "video"}},
		{"CourseSummary", "category", catalog.Categories}, {"CourseDetail", "status", catalog.Statuses},
		{"RoadmapItem", "status", []string{"locked", "owned", "in_progress", "completed", "expired"}},
	} {
		if p, ok := prop(tc.schema, tc.prop)["enum"]; !ok || !slices.Equal(enum(prop(tc.schema, tc.prop)), tc.want) {
			t.Errorf("%s.%s enum %v, want %v", tc.schema, tc.prop, p, tc.want)
		}
	}
	for _, s := range []string{"CourseInput", "LectureInput", "TopicInput", "CurriculumBody"} {
		if p := prop(s, "slug"); p["maxLength"] != float64(catalog.MaxSlugLength) || !strings.Contains(fmt.Sprint(p["pattern"]), "[a-z0-9]+") {
			t.Errorf("%s.slug: %v", s, p)
		}
		if req, _ := doc.Components.Schemas[s]["required"].([]any); slices.Contains(req, any("slug")) {
			t.Errorf("%s requires a slug", s)
		}
	}
	for schema, names := range map[string][2]string{"CourseInput": {"summary", "short_description"}, "CoursePatch": {"summary", "short_description"},
		"CurriculumBody": {"summary", "short_description"}, "TopicInput": {"premium", "is_premium"}} {
		if prop(schema, names[0])["deprecated"] != true || prop(schema, names[1])["deprecated"] == true {
			t.Errorf("%s: %s should be the deprecated name of %s", schema, names[0], names[1])
		}
	}
	for schema, bounds := range map[string][3]any{"CourseInput.price": {0.0, 1e8}, "CoursePatch.credits": {0.0, 10.0},
		"CourseInput.estimated_hours": {0.0, 500.0}, "CurriculumBody.access_days": {0.0, 3650.0}} {
		s, name, _ := strings.Cut(schema, ".")
		if p := prop(s, name); p["minimum"] != bounds[0] || p["maximum"] != bounds[1] {
			t.Errorf("%s: %v", schema, p)
		}
	}
	if typ := fmt.Sprint(doc.Components.Schemas["TopicContent"]["type"]); typ != "[object null]" {
		t.Errorf("TopicContent type %s: a locked topic's content is null", typ)
	}
	if req := fmt.Sprint(doc.Components.Schemas["Topic"]["required"]); !strings.Contains(req, "content") {
		t.Errorf("Topic.content should stay required (present, null when locked): %s", req)
	}
	params := fmt.Sprint(doc.Paths["/api/courses"]["get"]["parameters"])
	if !strings.Contains(params, "design") || !strings.Contains(params, "intermediate") {
		t.Errorf("list-courses parameters lack the enumerations: %s", params)
	}

	// The server refuses what the document refuses, before the service.
	tutor := newUser(t, ta, "tutor", "tutor")
	bad := minimal("잘못된 분야")
	bad["category"] = "cooking"
	p := ta.Request(http.MethodPost, "/api/courses/", bad, as(tutor)...).Problem(422, "")
	if errs := fmt.Sprint(p["errors"]); !strings.Contains(errs, "body.category") || !strings.Contains(errs, "design") {
		t.Fatalf("category: %v", errs)
	}
	ta.Get("/api/courses/?category=cooking").Problem(422, "")
	ta.Get("/api/curriculums/?skill_level=expert").Problem(422, "")
	ta.Get("/api/courses/?category=design").Status(200)
}

// TestStudioWithoutSlugs: the studio's form needs no slug either, for the
// course nor in its outline; editing keeps the slugs it made.
func TestStudioWithoutSlugs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		loc := tp.post("/studio/courses/new", courseForm("", "Go로 만드는 서버")).Status(303).Header.Get("Location")
		api := "/api/courses/" + strings.TrimPrefix(loc, "/studio/courses/") + "/"
		var d catalog.CourseDetail
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		tp.post(loc+"/outline", outlineForm(d.Version, "n1", "첫 강의", "n1/m1", "video:소개 영상", "n1/m2", "article:읽을거리")).Status(303)
		ta.Get(api, as(tutor)...).Status(200).JSON(&d)
		if d.Slug != "goro-mandeuneun-seobeo" || d.Lectures[0].Slug != "cheot-gangui" || d.Lectures[0].Topics[1].Slug != "ikeulgeori" {
			t.Fatalf("created from the studio: %+v", d)
		}
		l, v := d.Lectures[0].ID, d.Lectures[0].Topics[0].ID
		tp.post(loc+"/outline", outlineForm(d.Version, fmt.Sprintf("l%d", l), "새 강의 제목", fmt.Sprintf("l%d/t%d", l, v), "새 영상 제목")).Status(303)
		var after catalog.CourseDetail
		ta.Get(api, as(tutor)...).Status(200).JSON(&after)
		if after.Slug != d.Slug || after.Lectures[0].Slug != "cheot-gangui" || after.Lectures[0].Topics[0].Slug != "sogae-yeongsang" ||
			after.Lectures[0].Title != "새 강의 제목" || len(after.Lectures[0].Topics) != 1 {
			t.Fatalf("after editing: %+v", after)
		}
	})
}

// TestImportKeepsOthersCurriculums: a bundle never takes over a curriculum
// of the same slug that another author wrote or that was deleted (as for
// courses), and a refused import changes nothing.
func TestImportKeepsOthersCurriculums(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		tutor := newUser(t, ta, "tutor", "tutor")
		bundle := func(slug, course string) *catalog.Bundle {
			var c catalog.CourseInput
			raw, _ := json.Marshal(sampleCourse(course, "가져온 강좌", 1, 2))
			testkit.Must(t, json.Unmarshal(raw, &c))
			return &catalog.Bundle{Curriculum: &catalog.CurriculumInput{Slug: slug, Title: "가져온 과정", Category: "frontend",
				SkillLevel: "beginner", Status: "published", Courses: []string{course}}, Courses: []catalog.CourseInput{c}}
		}
		var mine catalog.CurriculumDetail
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"slug": "taken", "title": "튜터의 과정", "category": "backend",
			"skill_level": "advanced", "price": 0}, as(tutor)...).Status(201).JSON(&mine)
		snap := snapshot(t, ta)
		_, err := ta.App.ImportBundle(ctx, bundle("taken", "imp-x"))
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != "catalog.import_conflict" || !errors.Is(err, apperr.Conflict) {
			t.Fatalf("import over another author's curriculum: %v", err)
		}
		if snapshot(t, ta) != snap {
			t.Fatal("a refused import changed the database")
		}
		var after catalog.CurriculumDetail
		ta.Get(fmt.Sprintf("/api/curriculums/%d/", mine.ID), as(tutor)...).Status(200).JSON(&after)
		if after.Title != "튜터의 과정" || after.Category != "backend" {
			t.Fatalf("the tutor's curriculum changed: %+v", after)
		}

		// A deleted curriculum is not brought back by an import either, even
		// one the bundle's author wrote.
		_, err = ta.App.ImportBundle(ctx, bundle("own", "imp-y"))
		testkit.Must(t, err)
		var own catalog.CurriculumDetail
		ta.Get("/api/curriculums/own/").Status(200).JSON(&own)
		admin := newUser(t, ta, "admin", "admin")
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/curriculums/%d/", own.ID), nil, as(admin)...).Status(204)
		snap = snapshot(t, ta)
		_, err = ta.App.ImportBundle(ctx, bundle("own", "imp-y"))
		if !errors.As(err, &ae) || ae.Code != "catalog.import_conflict" {
			t.Fatalf("import over a deleted curriculum: %v", err)
		}
		if snapshot(t, ta) != snap {
			t.Fatal("a refused import changed the database")
		}
		ta.Get("/api/curriculums/own/").Problem(404, "catalog.curriculum_not_found")
	})
}

// TestSearchRanksAndNames: a search finds courses by title, descriptions,
// tag, or a category's label in either language, title matches first; the
// list's category tabs show only categories with a published course.
func TestSearchRanksAndNames(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		mk := func(title, summary, description, category string, tags ...string) {
			body := minimal(title)
			body["short_description"], body["description"], body["category"], body["tags"], body["status"] =
				summary, description, category, tags, "published"
			ta.Request(http.MethodPost, "/api/courses/", body, as(tutor)...).Status(201)
		}
		mk("웹 기초", "HTML과 CSS", "JavaScript가 조금 나옵니다", "frontend", "html")
		mk("모던 문법", "ES2024까지", "", "javascript", "es6")
		mk("JavaScript 심화", "클로저와 비동기", "", "javascript")
		mk("서버 만들기", "JavaScript로 서버를", "", "backend", "Node")
		draft := minimal("초안")
		draft["short_description"], draft["category"] = "JavaScript", "javascript" // a draft: never listed
		ta.Request(http.MethodPost, "/api/courses/", draft, as(tutor)...).Status(201)
		titles := func(query string) []string {
			t.Helper()
			var page struct{ Results []catalog.CourseSummary }
			ta.Get("/api/courses/?search=" + query).Status(200).JSON(&page)
			out := []string{}
			for _, c := range page.Results {
				out = append(out, c.Title)
			}
			return out
		}
		for query, want := range map[string][]string{
			"%EC%9E%90%EB%B0%94%EC%8A%A4%ED%81%AC%EB%A6%BD%ED%8A%B8": {"JavaScript 심화", "모던 문법"}, // 자바스크립트: the category's label
			"JavaScript":                  {"JavaScript 심화", "서버 만들기", "모던 문법", "웹 기초"}, // title, summary, category, body
			"javascript":                  {"JavaScript 심화", "서버 만들기", "모던 문법", "웹 기초"},
			"es6":                         {"모던 문법"}, // a tag
			"node":                        {"서버 만들기"},
			"%EB%B0%B1%EC%97%94%EB%93%9C": {"서버 만들기"}, // 백엔드
			"Databases":                   {},
			"%22%2C":                      {}, // ", matches no JSON syntax
		} {
			if got := titles(query); !slices.Equal(got, want) {
				t.Errorf("search %s: %v, want %v", query, got, want)
			}
		}
		// An explicit ordering still wins.
		if got := titles("JavaScript&ordering=title"); !slices.Equal(got, []string{"JavaScript 심화", "모던 문법", "서버 만들기", "웹 기초"}) {
			t.Errorf("ordered by title: %v", got)
		}

		page := body(pagesAs(ta, nil).get("/courses?q=%EC%9E%90%EB%B0%94%EC%8A%A4%ED%81%AC%EB%A6%BD%ED%8A%B8").Status(200))
		for _, want := range []string{"JavaScript 심화", "모던 문법", "관련도순", "category=javascript", "category=frontend", "category=backend"} {
			if !strings.Contains(page, want) {
				t.Errorf("search page lacks %q", want)
			}
		}
		for _, empty := range []string{"category=data&", "category=design", "category=devops", `category=data"`} {
			if strings.Contains(page, empty) {
				t.Errorf("search page shows the empty tab %q", empty)
			}
		}
		// A category chosen by its address keeps its tab, empty or not.
		if page := body(pagesAs(ta, nil).get("/courses?category=design").Status(200)); !strings.Contains(page, "category=design") {
			t.Error("the chosen empty category lost its tab")
		}
	})
}

// TestCoursePageBySlug: /courses/{slug} redirects to the course's canonical
// address; a draft's or a deleted course's slug is as unknown as a wrong one.
func TestCoursePageBySlug(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		body := minimal("공개 강좌")
		body["status"] = "published"
		var d catalog.CourseDetail
		ta.Request(http.MethodPost, "/api/courses/", body, as(tutor)...).Status(201).JSON(&d)
		anon := pagesAs(ta, nil)
		if loc := anon.get("/courses/" + d.Slug).Status(301).Header.Get("Location"); loc != fmt.Sprintf("/courses/%d", d.ID) {
			t.Fatalf("redirect to %q", loc)
		}
		var draft catalog.CourseDetail
		ta.Request(http.MethodPost, "/api/courses/", minimal("초안 강좌"), as(tutor)...).Status(201).JSON(&draft)
		anon.get("/courses/" + draft.Slug).Status(404)
		pagesAs(ta, &tutor).get("/courses/" + draft.Slug).Status(301)
		anon.get("/courses/no-such-course").Status(404)
		anon.get("/courses/Not%20A%20Slug").Status(404)
	})
}

// TestSlugsDerivedConcurrently: concurrent creations of one title all
// succeed, each with its own slug.
func TestSlugsDerivedConcurrently(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		const n = 6
		// The goroutines only send; the test's goroutine checks (a failing
		// check stops the goroutine it runs in).
		type result struct {
			status int
			body   []byte
		}
		results := make(chan result, 2*n)
		var wg sync.WaitGroup
		for i := range 2 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				path, body := "/api/courses/", minimal("동시에 만든 강좌")
				if i%2 == 1 {
					path, body = "/api/curriculums/", map[string]any{"title": "동시에 만든 과정", "category": "frontend",
						"skill_level": "beginner", "price": 0}
				}
				r := ta.Request(http.MethodPost, path, body, as(tutor)...)
				results <- result{r.StatusCode, r.Body}
			}()
		}
		wg.Wait()
		close(results)
		slugs := []string{}
		for r := range results {
			var d struct{ Slug string }
			if r.status != http.StatusCreated || json.Unmarshal(r.body, &d) != nil {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			slugs = append(slugs, d.Slug)
		}
		got := map[string]bool{}
		for _, s := range slugs {
			got[s] = true
		}
		for i := 1; i <= n; i++ {
			suffix := ""
			if i > 1 {
				suffix = fmt.Sprintf("-%d", i)
			}
			for _, base := range []string{"dongsie-mandeun-gangjwa", "dongsie-mandeun-gwajeong"} {
				if !got[base+suffix] {
					t.Errorf("missing %s%s among %v", base, suffix, got)
				}
			}
		}
	})
}
