package site

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// emptyCatalog is a catalog with no published curriculum yet.
type emptyCatalog struct{}

func (emptyCatalog) CourseByID(context.Context, int64) (catalog.CourseSummary, error) {
	return catalog.CourseSummary{}, apperr.NotFoundf("no course")
}

func (emptyCatalog) RoadmapFor(context.Context, int64) (*catalog.Roadmap, error) {
	return nil, apperr.NotFoundf("no curriculum")
}

func (emptyCatalog) CurriculumByID(context.Context, int64) (catalog.CurriculumSummary, []catalog.CourseSummary, error) {
	return catalog.CurriculumSummary{}, nil, apperr.NotFoundf("no curriculum")
}

func (emptyCatalog) CurriculumCourseIDs(context.Context, int64) ([]int64, error) { return nil, nil }

// newApp wires the site module the way app/ does: i18n bundle, web renderer,
// the module's catalogs and templates, web middleware and static files.
func newApp(t testing.TB, opts web.Options) (*fiber.App, *web.Web) {
	t.Helper()
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	opts.I18n = b
	w, err := web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m := New(Deps{Web: w, Catalog: emptyCatalog{}})
	locales, _ := fs.Sub(m.Files(), "locales")
	if err := b.Load(locales); err != nil {
		t.Fatal(err)
	}
	templates, _ := fs.Sub(m.Files(), "templates")
	if err := w.AddTemplates(m.Name(), templates); err != nil {
		t.Fatal(err)
	}
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetNav(m.Nav(), en); err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true})
	app.Use(w.Middleware(nil))
	w.Mount(app)
	m.Routes(humafiber.New(app, huma.DefaultConfig("t", "1")), app)
	return app, w
}

func get(t *testing.T, app *fiber.App, target string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// With an empty catalog the home page still renders: the
// hero, an empty roadmap pointing to the course list, the features.
func TestHomeKoreanByDefault(t *testing.T) {
	app, _ := newApp(t, web.Options{})
	resp, body := get(t, app, "/")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<html lang="ko">`, `<title>온라인 코딩 부트캠프 · Weaverse</title>`, `id="hero-title"`,
		"처음 배우는 웹 개발", "첫 로드맵을 준비하고 있어요", "아직 공개된 로드맵이 없어요",
		"이어보기", "AI 조교", "자동 채점 미션", "검증 가능한 수료증",
		`aria-current="page"`, `href="/courses"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if strings.Contains(body, `class="wv-card roadmap-card`) || strings.Contains(body, "JavaScript 기초") {
		t.Errorf("roadmap cards without a catalog")
	}
	if strings.Contains(body, "site.") {
		t.Errorf("untranslated message id in page")
	}
}

func TestHomeEnglish(t *testing.T) {
	app, _ := newApp(t, web.Options{})
	resp, body := get(t, app, "/?lang=en")
	for _, want := range []string{`<html lang="en">`, "Online coding bootcamp", "Learn web development",
		"No roadmap has been published yet.", "Resume anywhere", "Verifiable certificates", "Roadmap"} {
		if !strings.Contains(body, want) {
			t.Errorf("English home lacks %q", want)
		}
	}
	var langCookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "lang" {
			langCookie = c
		}
	}
	if langCookie == nil || langCookie.Value != "en" {
		t.Errorf("?lang=en did not set the lang cookie: %v", resp.Cookies())
	}
	if strings.Contains(body, "site.") {
		t.Errorf("untranslated message id in page")
	}

	_, body = get(t, app, "/", "Accept-Language", "en-US,en;q=0.8,ko;q=0.5")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Learning roadmap") {
		t.Error("Accept-Language: en-US not English")
	}
	_, body = get(t, app, "/", "Cookie", "lang=en", "Accept-Language", "ko-KR")
	if !strings.Contains(body, `<html lang="en">`) {
		t.Error("lang cookie not honoured")
	}
}

// TestRoadmapStatuses renders the home template with real-looking data, as
// the catalog module provides it (the whole path, catalog to page, is tested
// in modules/catalog/pages_test.go).
func TestRoadmapStatuses(t *testing.T) {
	app, w := newApp(t, web.Options{})
	app.Get("/demo", func(c *fiber.Ctx) error {
		return w.Render(c, 200, "site/home", demoPage())
	})
	_, body := get(t, app, "/demo")
	for _, want := range []string{"status-completed", "status-in_progress", "status-owned", "status-expired", "status-locked",
		`<progress class="wv-progress roadmap-progress" max="100" value="40"`, "&lt;script&gt;",
		"50,000원", "2년", "웹 개발 나노 디그리", "이어서 학습하기", `href="/courses/3"`, "강의 5개", "예상 14시간",
		"미보유", "보유", "학습 중", "완료", "기간 만료"} {
		if !strings.Contains(body, want) {
			t.Errorf("demo roadmap lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("course title not escaped")
	}
	// The site's CSP (style-src 'self') ignores inline style attributes.
	if strings.Contains(body, `style="`) {
		t.Error("inline style attribute in the page")
	}
}

func demoPage() homePage {
	st := []status{completed, completed, inProgress, owned, owned, expired, locked}
	titles := []string{"HTML/CSS", "JavaScript 기초", "DOM과 비동기 JS", "Git과 협업", "HTTP와 REST API", "SQL과 데이터베이스", "<script>alert(1)</script>"}
	p := homePage{
		Program: &program{Title: "웹 개발 나노 디그리", Courses: 7, PriceKRW: 50000, Access: "2년",
			CTA: "/courses/3", Action: "continue"},
		Statuses: statuses,
		Personal: true,
	}
	for i := range st {
		it := roadmapItem{Step: i + 1, Title: titles[i], Summary: "강좌 소개 문장이 여기에 들어갑니다.",
			URL: fmt.Sprintf("/courses/%d", i+1), Status: st[i], Lectures: 5, Hours: 14}
		if st[i] == inProgress {
			it.Progress = 40
		}
		p.Roadmap = append(p.Roadmap, it)
	}
	p.Features = []feature{{Icon: "robot", Title: "AI 조교", Body: "설명"}}
	return p
}
