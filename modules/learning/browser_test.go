package learning_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/testkit"
	"github.com/weaverse/weaverse/platform/testkit/browser"
)

// readyVideo uploads a clip as u and waits until it is transcoded.
func readyVideo(t *testing.T, ta *apptest.T, u user, data []byte) int64 {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("title", "1강 영상")
	fw, _ := w.CreateFormFile("file", "clip.mp4")
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/videos/upload/", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.Token)
	var v struct{ ID int64 }
	ta.Do(req).Status(202).JSON(&v)
	deadline := time.Now().Add(5 * time.Minute) // a busy 2-core machine
	for time.Now().Before(deadline) {
		var got struct{ Status, Failure string }
		ta.Get(fmt.Sprintf("/api/videos/%d/", v.ID), as(u)...).Status(200).JSON(&got)
		switch got.Status {
		case "ready":
			return v.ID
		case "failed":
			t.Fatalf("transcoding failed: %s", got.Failure)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("video not ready in time")
	return 0
}

// signInAs signs a user in through the login page.
func signInAs(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	testkit.Must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=ko"),
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), name+"@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pw),
		chromedp.Click(chromedp.CSS(".auth-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".btn-account")),
	))
}

// TestLearnInBrowser: a learner with access plays a video topic in
// headless Chromium, leaves at about 0:07 and comes back to the same
// position (the server's resume position); watched to the end, the topic
// is ticked in the outline without a reload and "next topic" moves on. The
// article, "my learning" and the tutor's learner list are shown too; with
// WEAVERSE_SCREENSHOT_DIR set, screenshots of each are saved.
func TestLearnInBrowser(t *testing.T) {
	data := testkit.VideoClip(t, 12)
	ctx := browser.New(t)
	// Watching is counted by the server's clock: a real one here.
	ta := apptest.New(t, "sqlite", func(_ *config.Config, o *app.Options) { o.Clock = clock.System{} })
	testkit.Must(t, ta.App.Start(context.Background()))
	tutor := newUser(t, ta, "tutor", "tutor")
	a := newUser(t, ta, "alice", "student")
	video := readyVideo(t, ta, tutor, data)
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "웹 개발 입문", "category": "frontend",
		"skill_level": "beginner", "price": 30000, "status": "published",
		"lectures": []map[string]any{
			{"title": "시작하기", "topics": []map[string]any{
				{"title": "개발 환경 준비", "kind": "video", "is_premium": true},
				{"title": "HTML 문서의 구조", "kind": "article", "is_premium": true,
					"body": "## 문서의 뼈대\n\n모든 HTML 문서는 `<html>`, `<head>`, `<body>`로 이루어져요.\n\n" +
						"브라우저는 이 구조를 읽어 화면을 그려요."}}},
			{"title": "스타일", "topics": []map[string]any{
				{"title": "CSS 선택자", "kind": "article", "is_premium": true, "body": "선택자는 스타일을 입힐 요소를 골라요."}}}}},
		as(tutor)...).Status(201).JSON(&c)
	topic, article := c.Lectures[0].Topics[0].ID, c.Lectures[0].Topics[1].ID
	ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", video), map[string]any{"topic_id": topic},
		as(tutor)...).Status(204)
	ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
		map[string]any{"email": "alice@example.com", "reason": "장학생", "days": 365}, as(tutor)...).Status(201)

	base := browser.Serve(t, ta.App.Fiber)
	shots := browser.ScreenshotDir()
	shoot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		size := browser.Desktop
		if strings.HasSuffix(name, "-phone") {
			size = browser.Phone
		}
		browser.Resize(t, ctx, size)
		testkit.Must(t, chromedp.Do(ctx, chromedp.Sleep(400*time.Millisecond)))
		browser.Screenshot(t, ctx, filepath.Join(shots, name+".png"))
	}
	browser.Resize(t, ctx, browser.Desktop)
	browser.WatchCSP(t, ctx)
	signInAs(t, ctx, base, "alice")

	// ---- play to about 0:07, then leave ----
	topicURL := fmt.Sprintf("%s/learn/%d/%d", base, c.ID, topic)
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(topicURL), chromedp.WaitVisible(chromedp.CSS("#player-video"))))
	browser.WaitJS(t, ctx, 10*time.Second, `document.getElementById("player").dataset.state === "ready"`)
	browser.Eval[bool](t, ctx, `(() => { const v = document.getElementById("player-video"); v.muted = true; v.play(); return true; })()`)
	browser.WaitJS(t, ctx, 30*time.Second, `document.getElementById("player-video").currentTime >= 7`)
	// Left while playing: only the "leave" beacon tells the server where.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/me/learning"), chromedp.WaitVisible(chromedp.CSS(".my-course"))))
	// The beacon is sent as the page goes and arrives when it arrives:
	// wait for the server to have it (a busy machine may take a while).
	for deadline := time.Now().Add(30 * time.Second); ; {
		var pos int64
		testkit.Must(t, ta.App.DB.R.NewRaw("SELECT COALESCE(MAX(position_ms), 0) FROM learning_video_progress WHERE user_id = ? AND video_id = ?",
			a.ID, video).Scan(ctx, &pos))
		if pos >= 6000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the leave beacon never reached the server (position %d ms)", pos)
		}
		time.Sleep(50 * time.Millisecond)
	}
	shoot("learn-me")

	// ---- come back: the player starts where the learner left ----
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(topicURL), chromedp.WaitVisible(chromedp.CSS("#player-video"))))
	// hls.js moves to its start position once the first fragment is in:
	// wait for that (or for the server's word that there is nothing to
	// resume), not just for the metadata.
	browser.WaitJS(t, ctx, 10*time.Second, `(() => { const v = document.getElementById("player-video");
		return v.readyState >= 1 && (v.currentTime > 0.5 || v.dataset.resume === "0"); })()`)
	at := browser.Eval[float64](t, ctx, `document.getElementById("player-video").currentTime`)
	if at < 6 || at > 9 {
		t.Fatalf("came back at %.2f s, want about 7", at)
	}
	if browser.Eval[bool](t, ctx, `document.getElementById("player-resume").hidden`) {
		t.Error("no \"resuming from\" note")
	}
	shoot("learn-topic-video")
	// Watched to the end: ticked without a reload, "next topic" shown.
	browser.Eval[bool](t, ctx, `(() => { window.__noReload = true; const v = document.getElementById("player-video"); v.muted = true; v.play(); return true; })()`)
	browser.WaitJS(t, ctx, 30*time.Second, fmt.Sprintf(`document.querySelector('.learn-topic[data-topic="%d"]').classList.contains("is-done")`, topic))
	browser.WaitJS(t, ctx, 5*time.Second, `!document.getElementById("next-cta").hidden && !document.getElementById("topic-done").hidden`)
	if got := browser.Eval[string](t, ctx, `document.getElementById("learn-progress-text").textContent`); got != "1/3 토픽 완료 (33%)" {
		t.Errorf("progress text %q", got)
	}
	if !browser.Eval[bool](t, ctx, `window.__noReload === true`) {
		t.Error("the page was reloaded")
	}
	var prog struct {
		CompletedTopics int `json:"completed_topics"`
	}
	ta.Get(fmt.Sprintf("/api/me/courses/%d/progress/", c.ID), as(a)...).Status(200).JSON(&prog)
	if prog.CompletedTopics != 1 {
		t.Errorf("completed topics %d, want 1", prog.CompletedTopics)
	}
	browser.NoCSPViolations(t, ctx)
	shoot("learn-topic-done")
	shoot("learn-topic-done-phone")
	browser.Resize(t, ctx, browser.Desktop)

	// ---- next topic: the article, read to its end ----
	testkit.Must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#next-cta")), chromedp.WaitVisible(chromedp.CSS("#article-body"))))
	if u := browser.Eval[string](t, ctx, `location.pathname`); u != fmt.Sprintf("/learn/%d/%d", c.ID, article) {
		t.Fatalf("next topic went to %s", u)
	}
	browser.WaitJS(t, ctx, 10*time.Second, fmt.Sprintf(`document.querySelector('.learn-topic[data-topic="%d"]').classList.contains("is-done")`, article))
	if cur := browser.Eval[string](t, ctx, `document.querySelector('[aria-current="page"]').dataset.topic`); cur != fmt.Sprint(article) {
		t.Errorf("aria-current on topic %s", cur)
	}
	browser.NoCSPViolations(t, ctx)
	shoot("learn-topic-article")
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/me/learning"), chromedp.WaitVisible(chromedp.CSS("#resume-card"))))
	shoot("learn-me-progress")

	// ---- the tutor's learner list ----
	_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	testkit.Must(t, err)
	// Signed out, a premium topic says why it is locked.
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(topicURL), chromedp.WaitVisible(chromedp.CSS("#locked-login"))))
	shoot("learn-topic-locked")
	signInAs(t, ctx, base, "tutor")
	testkit.Must(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/studio/courses/%d/learners", base, c.ID)),
		chromedp.WaitVisible(chromedp.CSS("#grant-form"))))
	browser.NoCSPViolations(t, ctx)
	shoot("learn-studio-learners")
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".learners-table tbody tr").length`); n != 1 {
		t.Errorf("%d learners listed, want 1", n)
	}
}
