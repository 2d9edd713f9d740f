package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/catalog/bundle"
	"github.com/weaverse/weaverse/modules/catalog/defaultcontent"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

var fontsLoaded = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := chromedp.Poll[bool]("document.fonts.status === 'loaded'")(ctx, tg)
	return err
})

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitJS waits until js is true, across page loads: Chromium checks it on
// every animation frame (chromedp.Poll), and a navigation in the middle of
// the wait starts it again on the next page. The deadline only bounds a
// failure, and is generous for a slow, loaded machine.
func waitJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(left)))
		if err == nil && ok {
			return
		}
		if errors.Is(err, chromedp.ErrPollingTimeout) || ctx.Err() != nil {
			break
		}
		// The page went away under the wait: on to the next one.
		_ = chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body")))
	}
	u, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("timed out waiting for %s (at %s)", js, u)
}

// TestCatalogInBrowser walks home → course list → search → course page →
// outline in headless Chromium, against the whole app on a real listener so
// the real CSP applies (no inline script or style).
func TestCatalogInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	tutor := newUser(t, ta, "tutor", "tutor")
	c1 := create(t, ta, tutor, sampleCourse("html", "HTML과 CSS 기초", 1, 2))
	c := sampleCourse("dom", "DOM과 비동기 JavaScript", 2, 4)
	c["lectures"].([]map[string]any)[1]["topics"].([]map[string]any)[1]["premium"] = false
	c2 := create(t, ta, tutor, c)
	curriculum(t, ta, tutor, c1, c2)
	base := testkit.Listen(t, ta.App.Fiber)
	browser.Resize(t, ctx, browser.Desktop)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(".roadmap-card")),
	); err != nil {
		t.Fatal(err)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll(".roadmap-card.status-none").length`); n != 2 {
		t.Fatalf("%d roadmap cards", n)
	}
	if got := evalJS[string](t, ctx, `document.querySelector(".roadmap-card .roadmap-card-title").textContent`); got != "HTML과 CSS 기초" {
		t.Errorf("first roadmap course %q", got)
	}

	// The catalog, through the navbar; then a search.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.main-links a[href="/courses"]`)),
		chromedp.WaitVisible(chromedp.CSS(".course-card")),
		chromedp.SendKeys(chromedp.CSS("#course-search"), "비동기"),
		chromedp.Click(chromedp.CSS(".catalog-search button[type=submit]")),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `location.search.includes("q=") && document.querySelectorAll(".course-card").length === 1`)
	if got := evalJS[string](t, ctx, `document.querySelector(".course-card-title").textContent`); got != "DOM과 비동기 JavaScript" {
		t.Fatalf("search found %q", got)
	}

	// The course page: the first lecture is open, the second opens on a click,
	// and a free topic shows its content; premium ones a lock.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".course-card")),
		chromedp.WaitVisible(chromedp.CSS("#course-title")),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(evalJS[string](t, ctx, `location.pathname`), fmt.Sprintf("/courses/%d", c2)) {
		t.Fatal("not on the course page")
	}
	if open := evalJS[[]bool](t, ctx, `[...document.querySelectorAll("details.lecture")].map(d => d.open)`); len(open) != 2 || !open[0] || open[1] {
		t.Fatalf("lectures open: %v", open)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("details.lecture:nth-of-type(2) > summary")),
		chromedp.WaitVisible(chromedp.CSS("details.lecture:nth-of-type(2) .topic-article .topic-head")),
		chromedp.Click(chromedp.CSS("details.lecture:nth-of-type(2) .topic-article .topic-head")),
		chromedp.WaitVisible(chromedp.CSS("details.lecture:nth-of-type(2) .topic-article .prose strong")),
		chromedp.Click(chromedp.CSS("details.lecture:nth-of-type(2) .topic-quiz .topic-head")),
		chromedp.WaitVisible(chromedp.CSS("details.lecture:nth-of-type(2) .topic-quiz .topic-locked")),
	); err != nil {
		t.Fatal(err)
	}
	// Nothing relies on inline styles, which the CSP would drop.
	if n := evalJS[int](t, ctx, `document.querySelectorAll("[style]").length`); n != 0 {
		t.Errorf("%d elements with inline styles", n)
	}
	if got := evalJS[string](t, ctx, `getComputedStyle(document.querySelector(".course-hero")).backgroundImage`); !strings.Contains(got, "gradient") {
		t.Errorf("stylesheet not applied: hero background %q", got)
	}
}

// TestCatalogScreenshots saves screenshots of the home page, the catalog,
// a course page and the studio for design review when
// WEAVERSE_SCREENSHOT_DIR is set. It imports the default web nano-degree,
// so the pages show real-sized content.
func TestCatalogScreenshots(t *testing.T) {
	dir := browser.ScreenshotDir()
	if dir == "" {
		t.Skip("set WEAVERSE_SCREENSHOT_DIR to save screenshots")
	}
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	tutor := newUser(t, ta, "tutor", "tutor")
	b, problems, err := bundle.Load(defaultcontent.FS(), defaultcontent.Root, standardKinds(t))
	testkit.Must(t, err)
	if len(problems) > 0 {
		t.Fatalf("default content: %s", problems[0])
	}
	_, err = ta.App.ImportBundle(context.Background(), b)
	testkit.Must(t, err)
	draft := sampleCourse("my-draft", "Go로 만드는 REST API 서버", 2, 4)
	draft["status"], draft["category"] = "draft", "backend"
	create(t, ta, tutor, draft)
	mine := sampleCourse("my-sql", "실전 SQL 튜닝", 1, 4)
	mine["category"], mine["skill_level"], mine["price"] = "database", "advanced", 0
	create(t, ta, tutor, mine)
	var first struct {
		Results []struct{ ID int64 } `json:"results"`
	}
	ta.Get("/api/courses/?ordering=created_at&page_size=1").Status(200).JSON(&first)
	coursePath := fmt.Sprintf("/courses/%d", first.Results[0].ID)
	base := testkit.Listen(t, ta.App.Fiber)

	shoot := func(t *testing.T, ctx context.Context, size browser.Size, path, name string, extra ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browser.Resize(t, ctx, size)
		steps := append([]chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + path), chromedp.WaitVisible(chromedp.CSS("main")), fontsLoaded,
		}, extra...)
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		browser.Screenshot(t, ctx, filepath.Join(dir, name+".png"))
	}
	sizes := []struct {
		size browser.Size
		tag  string
	}{{browser.Desktop, "desktop"}, {browser.Phone, "phone"}}
	openTopics := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => {
			const l = document.querySelectorAll("details.lecture");
			if (l[1]) l[1].open = true;
			const free = document.querySelector(".topic:not(.is-locked) details");
			if (free) free.open = true;
			const locked = document.querySelector(".topic.is-locked details");
			if (locked) locked.open = true;
			return true;
		})()`)(ctx, tg)
		if err != nil {
			return err
		}
		// The layout settles before the full-page size is measured: no
		// animation or transition runs, and two frames have been laid out.
		if _, err := chromedp.Poll[bool](`document.getAnimations().every(a => a.playState !== "running")`)(ctx, tg); err != nil {
			return err
		}
		_, err = chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`,
			chromedp.EvalAwaitPromise)(ctx, tg)
		return err
	})

	t.Run("anonymous", func(t *testing.T) {
		ctx := browser.New(t)
		for _, s := range sizes {
			shoot(t, ctx, s.size, "/?lang=ko", "home-"+s.tag)
			shoot(t, ctx, s.size, "/courses?lang=ko", "catalog-"+s.tag)
			shoot(t, ctx, s.size, coursePath+"?lang=ko", "course-"+s.tag, openTopics)
		}
		shoot(t, ctx, browser.Desktop, "/courses?q=%EC%97%86%EB%8A%94&lang=ko", "catalog-empty-desktop")
		shoot(t, ctx, browser.Desktop, "/courses?category=frontend&price=paid&lang=ko", "catalog-filtered-desktop")
		shoot(t, ctx, browser.Desktop, "/courses?lang=en", "catalog-en-desktop")
		shoot(t, ctx, browser.Desktop, coursePath+"?lang=en", "course-en-desktop")
	})

	t.Run("tutor", func(t *testing.T) {
		ctx := browser.New(t)
		if err := chromedp.Do(ctx, signIn(base, "tutor")...); err != nil {
			t.Fatal(err)
		}
		for _, s := range sizes {
			shoot(t, ctx, s.size, "/?lang=ko", "home-signed-in-"+s.tag)
			shoot(t, ctx, s.size, "/studio/courses?lang=ko", "studio-"+s.tag)
			shoot(t, ctx, s.size, "/studio/courses/new?lang=ko", "editor-new-"+s.tag)
		}
		shoot(t, ctx, browser.Desktop, "/studio/courses/new?lang=ko", "editor-errors-desktop",
			chromedp.SendKeys(chromedp.CSS("#f-slug"), "Bad Slug"),
			chromedp.Click(chromedp.CSS("#save-course")),
			chromedp.WaitVisible(chromedp.CSS("#editor-errors")), fontsLoaded)
		var mineList struct {
			Results []struct{ ID int64 } `json:"results"`
		}
		ta.Get("/api/courses/?mine=true", as(tutor)...).Status(200).JSON(&mineList)
		shoot(t, ctx, browser.Desktop, fmt.Sprintf("/studio/courses/%d/settings?lang=ko", mineList.Results[0].ID), "editor-edit-desktop")
		shoot(t, ctx, browser.Desktop, fmt.Sprintf("/courses/%d?lang=ko", mineList.Results[0].ID), "course-author-desktop")
	})
}
