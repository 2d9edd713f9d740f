package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// TestBundleImportInBrowser walks the studio's import in headless
// Chromium: from the course list to the import page, a bundle with a
// mistake (its problem shown by file and line, nothing imported), then the
// fixed bundle, whose report links to the new course.
func TestBundleImportInBrowser(t *testing.T) {
	ctx := browser.New(t)
	ta := apptest.New(t, "sqlite")
	ta.Clock.Set(time.Now().Truncate(time.Second)) // browser cookies expire by the real clock
	newUser(t, ta, "tutor", "tutor")
	course := "schema: 1\nslug: imported\ntitle: 가져온 강좌\ncategory: frontend\nskill_level: beginner\nprice: 0\nstatus: published\n" +
		"lectures:\n  - slug: l\n    title: 강의\n    topics:\n      - slug: t\n        title: 글\n        kind: article\n        body: 본문\n"
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.zip"), filepath.Join(dir, "good.zip")
	testkit.Must(t, os.WriteFile(bad, zipOf(t, map[string]string{"imported/course.yaml": strings.Replace(course, "kind: article", "kind: podcast", 1)}), 0o644))
	testkit.Must(t, os.WriteFile(good, zipOf(t, map[string]string{"imported/course.yaml": course}), 0o644))
	base := testkit.Listen(t, ta.App.Fiber)
	browser.Resize(t, ctx, browser.Desktop)
	browser.WatchCSP(t, ctx)
	shots := browser.ScreenshotDir()
	shoot := func(name string) {
		if shots != "" {
			browser.Screenshot(t, ctx, filepath.Join(shots, name+".png"))
		}
	}

	if err := chromedp.Do(ctx, append(signIn(base, "tutor"),
		chromedp.Navigate(base+"/studio/courses"),
		chromedp.Click(chromedp.CSS("#import-bundle")),
		chromedp.WaitVisible(chromedp.CSS("#bundle-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#bundle-file"), []string{bad}),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-problems")),
	)...); err != nil {
		t.Fatal(err)
	}
	problems := browser.Eval[string](t, ctx, `document.querySelector("#import-problems").textContent`)
	if !strings.Contains(problems, "imported/course.yaml:14:9") || !strings.Contains(problems, "podcast") {
		t.Fatalf("problems shown: %q", problems)
	}
	if browser.Eval[string](t, ctx, `document.activeElement.id`) != "bundle-file" {
		t.Error("the file field is not focused after a refusal")
	}
	shoot("import-problems-desktop")
	browser.NoCSPViolations(t, ctx)
	if countCourses(t, ta) != 0 {
		t.Fatal("a bundle with a problem was imported")
	}

	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#bundle-file"), []string{good}),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-report")),
	); err != nil {
		t.Fatal(err)
	}
	shoot("import-report-desktop")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#import-created a")),
		chromedp.WaitVisible(chromedp.CSS("#course-title")),
	); err != nil {
		t.Fatal(err)
	}
	if title := browser.Eval[string](t, ctx, `document.querySelector("#course-title").textContent.trim()`); title != "가져온 강좌" {
		t.Fatalf("landed on %q", title)
	}
	browser.NoCSPViolations(t, ctx)
	if shots != "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/studio/courses"), chromedp.WaitVisible(chromedp.CSS(".studio-item"))); err != nil {
			t.Fatal(err)
		}
		shoot("studio-bundles-desktop")
	}
}

// signIn is the sign-in form filled and sent by the user newUser made of
// name, in Korean.
func signIn(base, name string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), name+"@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
	}
}
