package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/testkit"
)

// detailOf decodes a course detail into a fresh value: the rule's fields
// are left out when zero, and would linger in a value decoded into before.
func detailOf(r *testkit.Response) catalog.CourseDetail {
	var d catalog.CourseDetail
	r.JSON(&d)
	return d
}

// storedRule is the certificate column as stored.
func storedRule(t *testing.T, ta *apptest.T, id int64) string {
	t.Helper()
	var s string
	testkit.Must(t, ta.App.DB.R.NewSelect().Table("catalog_courses").ColumnExpr("CAST(certificate AS TEXT)").
		Where("id = ?", id).Scan(context.Background(), &s))
	return s
}

// A course's certificate rule is stored with it, comes back in its detail,
// in the lists and to the modules that read the catalog, changes with a
// PATCH (the whole rule) and a PUT, and is refused out of bounds with
// nothing changed.
func TestCertificateRule(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		ctx := context.Background()
		cat := catalogModule(t, ta)

		// Without a rule: the default, stored as '{}'.
		plain := create(t, ta, tutor, sampleCourse("plain", "기본 규칙", 1, 1))
		d := detailOf(ta.Get(fmt.Sprintf("/api/courses/%d/", plain)).Status(200).Contains(`"certificate":{}`))
		if d.Certificate != (catalog.CertificateRule{}) || storedRule(t, ta, plain) != "{}" {
			t.Fatalf("default rule %+v, stored %s", d.Certificate, storedRule(t, ta, plain))
		}

		// With one: in the detail, the list, CourseByID and CourseSummaries.
		c := sampleCourse("ruled", "규칙 있는 강좌", 1, 4)
		want := catalog.CertificateRule{MinProgress: 80, Missions: "final", MinScore: 70}
		c["certificate"] = map[string]any{"min_progress": 80, "missions": "final", "min_score": 70}
		id := create(t, ta, tutor, c)
		api := fmt.Sprintf("/api/courses/%d/", id)
		d = detailOf(ta.Get(api).Status(200))
		if d.Certificate != want {
			t.Fatalf("detail rule %+v", d.Certificate)
		}
		var list struct{ Results []catalog.CourseSummary }
		ta.Get("/api/courses/?search=" + url.QueryEscape("규칙 있는")).Status(200).JSON(&list)
		if len(list.Results) != 1 || list.Results[0].Certificate != want {
			t.Fatalf("list %+v", list.Results)
		}
		sum, err := cat.Reader().CourseByID(ctx, id)
		testkit.Must(t, err)
		sums, err := cat.Syllabus().CourseSummaries(ctx, []int64{id, plain})
		testkit.Must(t, err)
		if sum.Certificate != want || sums[id].Certificate != want || sums[plain].Certificate != (catalog.CertificateRule{}) {
			t.Fatalf("CourseByID %+v, CourseSummaries %+v", sum.Certificate, sums)
		}

		// PATCH of another field keeps it; PATCH of the rule replaces it
		// whole (what it leaves out takes its default).
		after := detailOf(ta.Request(http.MethodPatch, api, map[string]any{"price": 100}, as(tutor)...).Status(200))
		if after.Certificate != want {
			t.Fatalf("a price patch changed the rule: %+v", after.Certificate)
		}
		after = detailOf(ta.Request(http.MethodPatch, api, map[string]any{"certificate": map[string]any{"missions": "none"}}, as(tutor)...).Status(200))
		if after.Certificate != (catalog.CertificateRule{Missions: "none"}) || after.Version <= d.Version {
			t.Fatalf("patched rule %+v (version %d → %d)", after.Certificate, d.Version, after.Version)
		}
		after = detailOf(ta.Request(http.MethodPatch, api, map[string]any{"certificate": map[string]any{"disabled": true}}, as(tutor)...).Status(200))
		if after.Certificate != (catalog.CertificateRule{Disabled: true}) || storedRule(t, ta, id) == "{}" {
			t.Fatalf("disabled rule %+v", after.Certificate)
		}

		// Out of bounds: 422 at the field, nothing changed.
		for _, bad := range []map[string]any{
			{"min_progress": 101}, {"min_progress": -1}, {"min_score": 101}, {"min_score": -5},
			{"missions": "midterm"}, {"missions": "all"}, {"grade": 3},
		} {
			p := ta.Request(http.MethodPatch, api, map[string]any{"certificate": bad, "title": "바뀌면 안 됨"}, as(tutor)...).
				Problem(422, "request.validation")
			if !strings.Contains(fmt.Sprint(p["errors"]), "body.certificate") {
				t.Errorf("%v: errors %v", bad, p["errors"])
			}
		}
		same := detailOf(ta.Get(api).Status(200))
		if same.Certificate != after.Certificate || same.Title != after.Title || same.Version != after.Version {
			t.Fatalf("a refused patch changed the course: %+v", same.CourseSummary)
		}
		bad := sampleCourse("bad-rule", "잘못된 규칙", 1, 1)
		bad["certificate"] = map[string]any{"min_score": 200}
		p := ta.Request(http.MethodPost, "/api/courses/", bad, as(tutor)...).Problem(422, "request.validation")
		if !strings.Contains(fmt.Sprint(p["errors"]), "body.certificate.min_score") {
			t.Fatalf("errors %v", p["errors"])
		}
		if n := countCourses(t, ta); n != 2 {
			t.Fatalf("%d courses after a refused creation", n)
		}

		// PUT: the rule given, or the default when left out.
		put := sampleCourse("ruled", "규칙 있는 강좌", 1, 4)
		put["certificate"] = map[string]any{"min_progress": 50}
		after = detailOf(ta.Request(http.MethodPut, api, put, as(tutor)...).Status(200))
		if after.Certificate != (catalog.CertificateRule{MinProgress: 50}) {
			t.Fatalf("PUT rule %+v", after.Certificate)
		}
		delete(put, "certificate")
		after = detailOf(ta.Request(http.MethodPut, api, put, as(tutor)...).Status(200))
		if after.Certificate != (catalog.CertificateRule{}) || storedRule(t, ta, id) != "{}" {
			t.Fatalf("PUT without a rule: %+v, stored %s", after.Certificate, storedRule(t, ta, id))
		}

		// The service checks what the schema does not see: a bundle.
		_, err = ta.App.ImportBundle(ctx, &catalog.Bundle{Courses: []catalog.CourseInput{{Slug: "imp", Title: "가져온 강좌",
			Category: "frontend", SkillLevel: "beginner", Certificate: catalog.CertificateRule{Missions: "sometimes", MinProgress: 120},
			Lectures: []catalog.LectureInput{{Slug: "l", Title: "강의", Topics: []catalog.TopicInput{{Slug: "t", Title: "글", Kind: "article", Body: "x"}}}}}}})
		var ae *apperr.Error
		if !errors.As(err, &ae) || !strings.Contains(fmt.Sprint(ae.Fields), "certificate.missions catalog.certificate_missions") ||
			!strings.Contains(fmt.Sprint(ae.Fields), "certificate.min_progress catalog.out_of_range:0-100") {
			t.Fatalf("import of a bad rule: %v %+v", err, ae)
		}
		if n := countCourses(t, ta); n != 2 {
			t.Fatalf("%d courses after a refused import", n)
		}
	})
}

// certificateForm is the settings form with the certificate fieldset.
func certificateForm(slug, title string, version int64, issue bool, progress, missions, score string) url.Values {
	f := courseForm(slug, title)
	f.Set("version", fmt.Sprint(version))
	f.Set("certificate_form", "1")
	if issue {
		f.Set("certificate", "1")
	}
	f.Set("certificate_min_progress", progress)
	f.Set("certificate_missions", missions)
	f.Set("certificate_min_score", score)
	return f
}

// The studio's settings form edits the rule: shown as stored, saved,
// refused beside its fields with what was typed kept, and left as it is
// by a form without its fieldset. The course page says it in one line.
func TestCertificateSettingsForm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		c := sampleCourse("cert-form", "수료 조건 강좌", 1, 4)
		ls := c["lectures"].([]map[string]any)
		ls[0]["topics"].([]map[string]any)[2]["mission"] = "midterm"
		ls[0]["topics"].([]map[string]any)[3]["mission"] = "final"
		id := create(t, ta, tutor, c)
		api := fmt.Sprintf("/api/courses/%d/", id)
		settings := fmt.Sprintf("/studio/courses/%d/settings", id)
		d := detailOf(ta.Get(api).Status(200))

		// The default rule, as the form shows it.
		page := tp.get(settings).Status(200)
		page.Contains(`id="course-certificate"`, "수료 조건", `name="certificate" id="f-certificate" value="1" checked`,
			`name="certificate_min_progress" type="number" value="100"`, `<option value="all" selected>중간·기말 미션 모두</option>`,
			`<option value="final">기말 미션만</option>`, `<option value="none">없음</option>`,
			`name="certificate_min_score" type="number" value="0"`, "미션 최소 점수 (0: 미션의 통과 점수)", "필요 진도율 (%)", "수료증 발급")
		pagesAs(ta, nil).get(fmt.Sprintf("/courses/%d", id)).Status(200).
			Contains(`id="certificate-rule"`, "수료 조건: 모든 토픽 완료 · 중간·기말 미션 통과")

		// Saved.
		tp.post(settings, certificateForm("cert-form", "수료 조건 강좌", d.Version, true, "80", "final", "70")).Status(303)
		d = detailOf(ta.Get(api).Status(200))
		if want := (catalog.CertificateRule{MinProgress: 80, Missions: "final", MinScore: 70}); d.Certificate != want {
			t.Fatalf("saved rule %+v", d.Certificate)
		}
		tp.get(settings).Status(200).Contains(`name="certificate_min_progress" type="number" value="80"`,
			`<option value="final" selected>기말 미션만</option>`, `name="certificate_min_score" type="number" value="70"`)
		pagesAs(ta, nil).get(fmt.Sprintf("/courses/%d", id)).Status(200).
			Contains("수료 조건: 토픽 80% 이상 완료 · 기말 미션 통과 (70점 이상)")
		en := ta.Get(fmt.Sprintf("/courses/%d", id), append(pagesAs(ta, nil).hdr, "Accept-Language", "en")...).Status(200)
		en.Contains("Certificate: 80% of the topics completed · the final mission passed (at 70 or more)")

		// Unchecked: no certificate, the rest kept; 100% is every topic.
		tp.post(settings, certificateForm("cert-form", "수료 조건 강좌", d.Version, false, "100", "all", "")).Status(303)
		d = detailOf(ta.Get(api).Status(200))
		if d.Certificate != (catalog.CertificateRule{Disabled: true}) {
			t.Fatalf("unchecked rule %+v", d.Certificate)
		}
		tp.get(settings).Status(200).Contains(`name="certificate" id="f-certificate" value="1" aria-describedby`).
			NotContains(`id="f-certificate" value="1" checked`)
		pagesAs(ta, nil).get(fmt.Sprintf("/courses/%d", id)).Status(200).Contains("수료증 없음").NotContains("수료 조건:")

		// Out of bounds: 422, each error beside its field, what was typed
		// kept, nothing saved.
		bad := certificateForm("cert-form", "바뀌면 안 됨", d.Version, true, "150", "sometimes", "-3")
		r := tp.post(settings, bad).Status(422)
		r.Contains(`id="f-certificate_min_progress-error"`, "0-100 사이의 값이어야 합니다", `value="150"`,
			`id="f-certificate_missions-error"`, "통과해야 할 미션은", `id="f-certificate_min_score-error"`, `value="-3"`,
			`value="바뀌면 안 됨"`, `id="f-certificate" value="1" checked`)
		bad.Set("certificate_min_score", "많이")
		tp.post(settings, bad).Status(422).Contains(`id="f-certificate_min_score-error"`, "숫자로 입력해 주세요",
			`id="f-certificate_min_progress-error"`)
		same := detailOf(ta.Get(api).Status(200))
		if same.Certificate != d.Certificate || same.Title != d.Title || same.Version != d.Version {
			t.Fatalf("a refused save changed the course: %+v", same.CourseSummary)
		}
		enp := pager{ta: ta, hdr: append(append([]string{}, tp.hdr...), "Accept-Language", "en")}
		en = enp.post(settings, bad).Status(422)
		en.Contains("Missions to pass must be empty", "Progress required (%)", "Issue a certificate")

		// A form without the fieldset (loaded before it existed) keeps the
		// rule.
		old := courseForm("cert-form", "옛 양식")
		old.Set("version", fmt.Sprint(d.Version))
		tp.post(settings, old).Status(303)
		d = detailOf(ta.Get(api).Status(200))
		if d.Title != "옛 양식" || d.Certificate != (catalog.CertificateRule{Disabled: true}) {
			t.Fatalf("an old form: %q %+v", d.Title, d.Certificate)
		}

		// A new course from the form: the rule typed.
		nf := certificateForm("cert-new", "새 강좌", 0, true, "90", "none", "")
		nf.Del("version")
		r = tp.post("/studio/courses/new", nf).Status(303)
		var newID int64
		fmt.Sscanf(r.Header.Get("Location"), "/studio/courses/%d", &newID)
		d = detailOf(ta.Get(fmt.Sprintf("/api/courses/%d/", newID), as(tutor)...).Status(200))
		if d.Certificate != (catalog.CertificateRule{MinProgress: 90, Missions: "none"}) {
			t.Fatalf("new course's rule %+v", d.Certificate)
		}
	})
}

// Two tabs of the settings form: the certificate fields merge like the
// others, and a conflict names the field by its label.
func TestCertificateSettingsMerge(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		tp := pagesAs(ta, &tutor)
		id := create(t, ta, tutor, sampleCourse("merge", "병합", 1, 1))
		settings := fmt.Sprintf("/studio/courses/%d/settings", id)
		d := detailOf(ta.Get(fmt.Sprintf("/api/courses/%d/", id)).Status(200))
		base := baseOf(t, body(tp.get(settings).Status(200)))
		tabA := certificateForm("merge", "병합", d.Version, true, "80", "all", "0")
		tabB := certificateForm("merge", "병합", d.Version, true, "90", "all", "60")
		for _, f := range []url.Values{tabA, tabB} {
			f.Set("base", base)
			f.Set("summary", "요약 병합")
			f.Set("description", "설명 병합")
			f.Set("category", "javascript")
			f.Set("skill_level", "beginner")
			f.Set("price", "12900")
			f.Set("credits", "3")
			f.Set("estimated_hours", "10")
			f.Set("tags", "js")
		}
		tp.post(settings, tabA).Status(303)
		stale := tp.post(settings, tabB).Status(409)
		stale.Contains(`id="stale-conflicts"`, "<strong>필요 진도율 (%)</strong>: 먼저 저장된 값 <q>80</q>", `value="90"`, `value="60"`)
	})
}

// baseOf is the settings form's hidden base.
func baseOf(t *testing.T, page string) string {
	t.Helper()
	const mark = `name="base" value="`
	i := strings.Index(page, mark)
	if i < 0 {
		t.Fatal("the settings form has no base")
	}
	rest := page[i+len(mark):]
	return rest[:strings.IndexByte(rest, '"')]
}
