package media_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// browserHeaders make a request look like a browser's page request: HTML
// accepted, same-origin (the CSRF check), signed in as u (nil: anonymous).
func browserHeaders(u *user, extra ...string) []string {
	h := []string{"Accept", "text/html,application/xhtml+xml", "Sec-Fetch-Site", "same-origin"}
	if u != nil {
		h = append(h, bearer(*u)...)
	}
	return append(h, extra...)
}

func page(ta *apptest.T, u *user, path string, extra ...string) *testkit.Response {
	return ta.Get(path, browserHeaders(u, extra...)...)
}

// formUpload posts a multipart form as a browser without JavaScript does:
// the fields first, then the file.
func formUpload(ta *apptest.T, u *user, path, name string, data []byte, fields []string, extra ...string) *testkit.Response {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	h := browserHeaders(u, extra...)
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	return ta.Do(req)
}

// flashCookie returns the "flash" cookie a redirect set, for the next request.
func flashCookie(t *testing.T, r *testkit.Response) string {
	t.Helper()
	for _, c := range r.Cookies() {
		if c.Name == "flash" && c.Value != "" {
			return "flash=" + c.Value
		}
	}
	t.Fatal("no flash cookie")
	return ""
}

var scriptTag = regexp.MustCompile(`<script\b[^>]*>`)

// csp fails when the page relies on what the CSP refuses: inline scripts,
// style attributes or <style> elements.
func csp(t *testing.T, body string) {
	t.Helper()
	for _, tag := range scriptTag.FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("inline or foreign script: %s", tag)
		}
	}
	if strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Error("inline style")
	}
}

func insertVideo(t *testing.T, ta *apptest.T, owner int64, title, status string, progress int, failure string) int64 {
	t.Helper()
	var id int64
	now := ta.Clock.Now()
	err := ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, failure, size, duration_ms, width, height,
		renditions, progress, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		owner, title, status, failure, 7_654_321, 83_000, 1280, 720, "[]", progress, now, now).Scan(context.Background(), &id)
	testkit.Must(t, err)
	return id
}

// The player: a free topic's video plays for anyone, with the signed URLs
// in data attributes for static/js/player.js and nothing inline; a premium
// one is 404 for a student who is not entitled and a login for the signed-out.
func TestWatchPage(t *testing.T) {
	t.Parallel()
	data := clip(t, 3)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		started(t, ta)
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "clip.mp4", data, "title", "샘플 영상").Status(202).JSON(&v)
		waitReady(t, ta, tutor, v.ID)
		var course struct {
			ID       int64
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "v", "title": "영상 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 1000, "status": "published", "lectures": []map[string]any{{"slug": "l", "title": "강의",
				"topics": []map[string]any{{"slug": "free", "title": "무료", "kind": "video"}, {"slug": "paid", "title": "유료", "kind": "video", "premium": true}}}}},
			bearer(tutor)...).Status(201).JSON(&course)
		free, paid := course.Lectures[0].Topics[0].ID, course.Lectures[0].Topics[1].ID
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free}, bearer(tutor)...).Status(204)

		watch := fmt.Sprintf("/watch/%d", v.ID)
		body := string(page(ta, nil, fmt.Sprintf("%s?topic=%d", watch, free)).Status(200).Body)
		for _, want := range []string{
			`<video class="player-video" id="player-video" controls preload="metadata" playsinline poster="/media/videos/`,
			fmt.Sprintf(`data-hls="/media/hls/%d/master.m3u8?exp=`, v.ID),
			`data-mp4="/media/videos/`, `data-resume="0"`, `<source src="/media/videos/`,
			`data-hls-worker="/static/vendor/hls/hls.worker.`,
			`<script src="/static/vendor/hls/hls.min.`, `<script src="/static/js/player.`,
			`<h1 class="theater-title" id="video-title">무료</h1>`, fmt.Sprintf(`<a class="theater-back" href="/courses/%d#topic-%d">`, course.ID, free), "키보드 단축키", `role="alert" hidden`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("player page lacks %q", want)
			}
		}
		if strings.Contains(body, "<track") {
			t.Error("a caption track on a video without captions")
		}
		csp(t, body)
		// The signed master playlist the page names plays.
		hls := regexp.MustCompile(`data-hls="([^"]+)"`).FindStringSubmatch(body)[1]
		ta.Get(strings.ReplaceAll(hls, "&amp;", "&")).Status(200).Contains("#EXTM3U")

		// Captions: the video's own tracks, signed; the page language's
		// track is the default one. A ?captions= URL is not a track.
		ta.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/ko/", v.ID), "WEBVTT\n\n00:00.000 --> 00:02.000\n안녕하세요\n", bearer(tutor)...).Status(200)
		ta.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/en/", v.ID), "WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n", bearer(tutor)...).Status(200)
		body = string(page(ta, nil, watch).Status(200).Body)
		ko := regexp.MustCompile(`<track kind="captions" srclang="ko" label="한국어" src="(/media/videos/[^"]+\.vtt\?[^"]+)" default>`).FindStringSubmatch(body)
		if ko == nil || !strings.Contains(body, `<track kind="captions" srclang="en" label="English" src="/media/videos/`) || strings.Count(body, " default>") != 1 {
			t.Fatalf("caption tracks: %s", regexp.MustCompile(`<track[^>]*>`).FindAllString(body, -1))
		}
		ta.Get(strings.ReplaceAll(ko[1], "&amp;", "&")).Status(200).Contains("안녕하세요")
		if en := string(page(ta, nil, watch+"?lang=en").Body); !regexp.MustCompile(`srclang="en"[^>]* default>`).MatchString(en) ||
			regexp.MustCompile(`srclang="ko"[^>]* default>`).MatchString(en) {
			t.Error("the English page does not default to the English track")
		}
		page(ta, nil, watch+"?captions="+url.QueryEscape("/media/captions/1/ko.vtt?exp=1&sig=x")).Status(200).NotContains("/media/captions/1/")
		page(ta, nil, watch+"?lang=en").Status(200).Contains("Keyboard shortcuts", "Lecture video")
		// The owner sees the title they gave it, and the way back to the library.
		page(ta, &tutor, watch).Status(200).Contains(">샘플 영상</h1>", `href="/studio/media"`)
		// Titles never come from the URL; a topic names the video's only when
		// it plays this video and its course is visible.
		page(ta, nil, watch+"?title=%EA%B0%80%EC%A7%9C").Status(200).NotContains("가짜").Contains(">강의 영상</h1>")
		page(ta, nil, fmt.Sprintf("%s?topic=%d", watch, paid)).Status(200).Contains(">강의 영상</h1>")
		page(ta, nil, watch+"?back=//evil.example").Status(200).NotContains(`class="theater-back"`)
		page(ta, nil, watch+"?back=/courses/1").Status(200).Contains(`<a class="theater-back" href="/courses/1">`)
		page(ta, nil, "/watch/abc").Status(404)
		page(ta, nil, "/watch/999999").Status(404)

		// Now only on a premium topic.
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": paid}, bearer(tutor)...).Status(204)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", course.ID), map[string]any{"lectures": []map[string]any{{"slug": "l", "title": "강의",
			"topics": []map[string]any{{"id": paid, "slug": "paid", "title": "유료", "kind": "video", "premium": true, "video": media.VideoRef(v.ID)}}}}},
			bearer(tutor)...).Status(200)
		page(ta, &student, watch).Status(404).Contains("영상을 찾을 수 없습니다.").NotContains("data-hls")
		anon := page(ta, nil, watch).Status(303)
		if loc := anon.Header.Get("Location"); loc != "/login?next="+url.QueryEscape(watch) {
			t.Errorf("signed out: redirect to %q", loc)
		}
		page(ta, &tutor, watch).Status(200)
	})
}

// The media library: tutors only; the caller's videos with their state and
// images; uploads without JavaScript redirect back with a flash, and a
// refused file shows why on the form.
func TestStudioMediaPage(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")

		page(ta, &student, "/studio/media").Status(403)
		formUpload(ta, &student, "/studio/media/images", "a.png", pngBytes(40, 30), nil).Status(403)
		if loc := page(ta, nil, "/studio/media").Status(303).Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("signed out: redirect to %q", loc)
		}
		page(ta, &tutor, "/studio/media").Status(200).Contains("아직 올린 영상이 없어요.", "아직 올린 이미지가 없어요.")

		processing := insertVideo(t, ta, tutor.ID, "1강 오리엔테이션", "processing", 40, "")
		failed := insertVideo(t, ta, tutor.ID, "깨진 파일", "failed", 0, "ffmpeg: invalid data found when processing input")
		ready := insertVideo(t, ta, tutor.ID, "2강 변수와 타입", "ready", 100, "")
		insertVideo(t, ta, other.ID, "남의 영상", "ready", 100, "")

		res := page(ta, &tutor, "/studio/media").Status(200)
		body := string(res.Body)
		// Newest first (same instant: higher id first).
		res.InOrder(fmt.Sprintf(`data-video-id="%d" data-status="ready"`, ready), `<img src="/media/videos/`, "1:23",
			fmt.Sprintf(`href="/watch/%d?back=%%2Fstudio%%2Fmedia"`, ready), "2강 변수와 타입", "준비됨", "1280×720", "7.3 MB",
			fmt.Sprintf(`data-video-id="%d" data-status="failed"`, failed), "실패", "ffmpeg: invalid data found",
			fmt.Sprintf(`data-video-id="%d" data-status="processing"`, processing), "처리 중 40%", `<progress class="wv-progress video-progress" max="100" value="40"`,
			media.VideoRef(processing))
		if strings.Contains(body, "남의 영상") {
			t.Error("another tutor's video is listed")
		}
		for _, want := range []string{`<script src="/static/js/studio-media.`, `action="/studio/media/videos"`,
			`data-upload="/api/videos/upload"`, `action="/studio/media/images"`, `data-upload="/api/images/upload"`, `enctype="multipart/form-data"`} {
			if !strings.Contains(body, want) {
				t.Errorf("library lacks %q", want)
			}
		}
		csp(t, body)
		page(ta, &tutor, "/studio/media?lang=en").Status(200).Contains("Media library", "Processing 40%", "Ready", "Failed")

		// An image through the form, without JavaScript.
		up := formUpload(ta, &tutor, "/studio/media/images", "photo.png", pngBytes(800, 600), []string{"alt", "강의 화면 캡처"}).Status(303)
		if loc := up.Header.Get("Location"); loc != "/studio/media#images" {
			t.Errorf("after upload: redirect to %q", loc)
		}
		page(ta, &tutor, "/studio/media", "Cookie", flashCookie(t, up)).Status(200).
			Contains("이미지를 올렸어요.", `alt="강의 화면 캡처"`, `<img src="/media/images/`, "800×600", "media:image:")

		// A refused file: the form again, with the reason on the file field and the alt kept.
		bad := formUpload(ta, &tutor, "/studio/media/images", "notes.png", []byte("just text, not an image"), []string{"alt", "설명 유지"}).Status(415)
		bad.Contains("JPEG, PNG, WebP, GIF 이미지만 올릴 수 있습니다.", `id="image-file" name="file" type="file"`, `aria-invalid="true"`, `value="설명 유지"`)
		csp(t, string(bad.Body))
		formUpload(ta, &tutor, "/studio/media/images", "", nil, nil, "Content-Type", "text/plain").Status(415)
		// A form posted from another site is refused.
		formUpload(ta, &tutor, "/studio/media/images", "photo.png", pngBytes(10, 10), nil, "Sec-Fetch-Site", "cross-site").Status(403)

		// A video through the form: accepted when this machine can transcode,
		// else the form says why.
		if _, err := exec.LookPath("ffmpeg"); err == nil {
			vup := formUpload(ta, &tutor, "/studio/media/videos", "clip.mp4", clip(t, 1), []string{"title", "폼으로 올린 영상"}).Status(303)
			page(ta, &tutor, "/studio/media", "Cookie", flashCookie(t, vup)).Status(200).
				Contains("영상을 올렸어요.", "폼으로 올린 영상", "처리 중 0%")
			formUpload(ta, &tutor, "/studio/media/videos", "notes.mp4", []byte("not a video"), []string{"title", "가짜"}).Status(415).
				Contains("영상 파일이 아닙니다.", `value="가짜"`, `id="video-file-error"`)
		} else {
			formUpload(ta, &tutor, "/studio/media/videos", "clip.mp4", []byte("x"), nil).Status(503).
				Contains("영상 변환 도구(ffmpeg)가 없어")
		}
	})
}

// formPost posts an urlencoded form as a browser does.
func formPost(ta *apptest.T, u *user, path string, fields ...string) *testkit.Response {
	q := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		q.Add(fields[i], fields[i+1])
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(q.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h := browserHeaders(u)
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	return ta.Do(req)
}

// redirected checks a 303 back to location and returns the page it leads
// to, with the flash the redirect set.
func redirected(t *testing.T, ta *apptest.T, u *user, r *testkit.Response, location string) *testkit.Response {
	t.Helper()
	r.Status(303)
	if loc := r.Header.Get("Location"); loc != location {
		t.Fatalf("redirect to %q, want %q", loc, location)
	}
	return page(ta, u, location, "Cookie", flashCookie(t, r)).Status(200)
}

func apiVideo(t *testing.T, ta *apptest.T, u user, id int64) media.Video {
	t.Helper()
	var v media.Video
	ta.Get(fmt.Sprintf("/api/videos/%d/", id), bearer(u)...).Status(200).JSON(&v)
	return v
}

const vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\n안녕하세요\n"

// Managing the library without JavaScript: each form posts and comes back
// with a flash; a refused field shows the library again with the item's
// panel open and the reason on the field; someone else's media are 404 and
// stay as they were, students are refused.
func TestStudioMediaManage(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		vid := insertVideo(t, ta, tutor.ID, "1강 오리엔테이션", "ready", 100, "")
		theirs := insertVideo(t, ta, other.ID, "남의 영상", "ready", 100, "")
		videoPath := func(id int64, rest string) string { return fmt.Sprintf("/studio/media/videos/%d%s", id, rest) }

		// The panel, closed, with its forms.
		body := string(page(ta, &tutor, "/studio/media").Status(200).Body)
		for _, want := range []string{
			fmt.Sprintf(`<li class="video-item" id="video-%d"`, vid), `<details class="media-manage" data-manage>`,
			fmt.Sprintf(`action="/studio/media/videos/%d"`, vid), fmt.Sprintf(`id="v%d-title" name="title" type="text" maxlength="200" value="1강 오리엔테이션"`, vid),
			fmt.Sprintf(`action="/studio/media/videos/%d/captions" enctype="multipart/form-data"`, vid), `accept=".vtt,text/vtt"`,
			`<option value="ko" selected>한국어</option>`, `<option value="ja">日本語 (일본어)</option>`, "아직 자막이 없어요.",
			fmt.Sprintf(`action="/studio/media/videos/%d/delete"`, vid), "이 영상을 삭제할까요?",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("library lacks %q", want)
			}
		}
		csp(t, body)
		page(ta, &tutor, "/studio/media?lang=en").Status(200).Contains("Manage", "Add captions", "Delete video", `<option value="ja">日本語 (Japanese)</option>`)

		// ---- Renaming.
		{
			r := formPost(ta, &tutor, videoPath(vid, ""), "title", "  1강 · 시작하기 ")
			redirected(t, ta, &tutor, r, "/studio/media").Contains("제목을 저장했어요.", ">1강 · 시작하기</a>")
			// From the second page of the library, back to it.
			if loc := formPost(ta, &tutor, videoPath(vid, "?vpage=2&ipage=3"), "title", "1강 · 시작하기").Status(303).Header.Get("Location"); loc != "/studio/media?ipage=3&vpage=2" {
				t.Errorf("redirect to %q", loc)
			}
			// Too long: the form again, open, with the title sent and why.
			long := strings.Repeat("가", 201)
			bad := formPost(ta, &tutor, videoPath(vid, ""), "title", long).Status(422)
			bad.Contains(`<details class="media-manage" data-manage open>`, "제목은 200자 이내로 입력해 주세요.", `value="`+long+`"`,
				fmt.Sprintf(`aria-invalid="true" aria-describedby="v%d-title-error" autofocus`, vid))
			csp(t, string(bad.Body))
			// Sent from a page of the library the video is no longer on: the
			// reason in a flash.
			formPost(ta, &tutor, videoPath(vid, "?vpage=9"), "title", long).Status(422).
				Contains("alert-danger", "제목은 200자 이내로 입력해 주세요.").NotContains("data-manage open")
			if v := apiVideo(t, ta, tutor, vid); v.Title != "1강 · 시작하기" {
				t.Errorf("title %q after refusals", v.Title)
			}
			formPost(ta, &other, videoPath(vid, ""), "title", "가로채기").Status(404)
			formPost(ta, &other, videoPath(vid, ""), "title", long).Status(404)
			formPost(ta, &tutor, videoPath(theirs, ""), "title", "가로채기").Status(404)
			formPost(ta, &student, videoPath(vid, ""), "title", "가로채기").Status(403)
			formPost(ta, nil, videoPath(vid, ""), "title", "가로채기").Status(401)
			formPost(ta, &tutor, "/studio/media/videos/abc", "title", "x").Status(404)
			if v := apiVideo(t, ta, other, theirs); v.Title != "남의 영상" {
				t.Errorf("another tutor's video renamed: %q", v.Title)
			}
			if v := apiVideo(t, ta, tutor, vid); v.Title != "1강 · 시작하기" {
				t.Errorf("title %q after others' attempts", v.Title)
			}
		}

		// ---- Captions.
		{
			files := mediaFiles(t, ta)
			add := func(u *user, id int64, lang, label, name string, data []byte) *testkit.Response {
				return formUpload(ta, u, videoPath(id, "/captions"), name, data, []string{"lang", lang, "label", label})
			}
			redirected(t, ta, &tutor, add(&tutor, vid, "ko", "", "ko.vtt", []byte(vtt)), "/studio/media").
				Contains("자막을 저장했어요: 한국어", `<span class="caption-name">한국어</span> <code class="caption-lang">ko</code>`,
					fmt.Sprintf(`action="/studio/media/videos/%d/captions/ko/delete"`, vid), `data-confirm="‘한국어’ 자막을 지울까요?"`,
					`<option value="en" selected>English (영어)</option>`) // the next language offered
			redirected(t, ta, &tutor, add(&tutor, vid, "en", "English (CC)", "en.vtt", []byte(vtt)), "/studio/media").
				Contains("자막을 저장했어요: English (CC)", `<span class="visually-hidden">자막: </span> 한국어, English (CC)</span>`)
			if v := apiVideo(t, ta, tutor, vid); len(v.Captions) != 2 || v.Captions[1] != (media.Caption{Lang: "en", Label: "English (CC)"}) {
				t.Fatalf("captions %+v", v.Captions)
			}
			files += 2
			if n := mediaFiles(t, ta); n != files {
				t.Errorf("%d files, want %d", n, files)
			}

			// Refused: the form again, open, with the reason on its field and
			// the language kept; nothing stored.
			for _, c := range []struct {
				name       string
				lang, file string
				data       []byte
				status     int
				field      string
				want       string
			}{
				{"not WebVTT", "ja", "notes.vtt", []byte("just some text"), 415, "vtt", "WebVTT 자막 파일이 아닙니다."},
				{"too large", "ja", "big.vtt", append([]byte("WEBVTT\n\n"), bytes.Repeat([]byte("a"), media.MaxCaptionBytes)...), 413, "vtt", "자막 파일이 너무 큽니다. (최대 512KB)"},
				{"no file", "ja", "", nil, 422, "vtt", "파일을 골라 주세요."},
				{"bad language", "not a language", "ja.vtt", []byte(vtt), 422, "lang", "언어 코드가 올바르지 않습니다."},
			} {
				{
					r := add(&tutor, vid, c.lang, "일본어 자막", c.file, c.data).Status(c.status)
					r.Contains(`<details class="media-manage" data-manage open>`, c.want, fmt.Sprintf(`id="v%d-%s-error"`, vid, c.field),
						`value="일본어 자막"`)
					if c.field == "vtt" {
						r.Contains(`<option value="ja" selected>`)
					}
					csp(t, string(r.Body))
				}
			}
			// Not a multipart form: said on the file field too.
			formPost(ta, &tutor, videoPath(vid, "/captions"), "lang", "ja").Status(415).Contains("multipart/form-data")
			// Another site, someone else's video, a student.
			formUpload(ta, &tutor, videoPath(vid, "/captions"), "ja.vtt", []byte(vtt), []string{"lang", "ja"}, "Sec-Fetch-Site", "cross-site").Status(403)
			add(&other, vid, "ja", "", "ja.vtt", []byte(vtt)).Status(404)
			add(&tutor, theirs, "ja", "", "ja.vtt", []byte(vtt)).Status(404)
			add(&student, vid, "ja", "", "ja.vtt", []byte(vtt)).Status(403)
			if v := apiVideo(t, ta, tutor, vid); len(v.Captions) != 2 {
				t.Errorf("captions %+v after refusals", v.Captions)
			}
			if v := apiVideo(t, ta, other, theirs); len(v.Captions) != 0 {
				t.Errorf("captions %+v on another tutor's video", v.Captions)
			}
			if n := mediaFiles(t, ta); n != files {
				t.Errorf("%d files after refusals, want %d", n, files)
			}

			// Removing one; then again: a flash, not an error page.
			del := func(u *user, id int64, lang string) *testkit.Response {
				return formPost(ta, u, videoPath(id, "/captions/"+lang+"/delete"))
			}
			del(&other, vid, "en").Status(404)
			del(&student, vid, "en").Status(403)
			redirected(t, ta, &tutor, del(&tutor, vid, "en"), "/studio/media").Contains("자막을 지웠어요: English (CC)").NotContains(`caption-name">English (CC)`)
			redirected(t, ta, &tutor, del(&tutor, vid, "en"), "/studio/media").Contains("alert-danger", "이 언어의 자막이 없습니다.")
			redirected(t, ta, &tutor, del(&tutor, vid, "x!"), "/studio/media").Contains("alert-danger", "언어 코드가 올바르지 않습니다.")
			if v := apiVideo(t, ta, tutor, vid); len(v.Captions) != 1 || v.Captions[0].Lang != "ko" {
				t.Errorf("captions %+v after removal", v.Captions)
			}
			if n := mediaFiles(t, ta); n != files-1 {
				t.Errorf("%d files after removal, want %d", n, files-1)
			}
		}

		// ---- Images: alt text, delete.
		{
			var img, their media.Image
			upload(ta, "/api/images/upload/", tutor, "a.png", pngBytes(80, 60), "alt", "처음 설명").Status(201).JSON(&img)
			upload(ta, "/api/images/upload/", other, "b.png", pngBytes(80, 60), "alt", "남의 그림").Status(201).JSON(&their)
			imgPath := func(id int64, rest string) string { return fmt.Sprintf("/studio/media/images/%d%s", id, rest) }
			page(ta, &tutor, "/studio/media").Status(200).Contains(fmt.Sprintf(`<li class="image-item" id="image-%d">`, img.ID),
				`<details class="media-manage image-manage" data-manage>`, fmt.Sprintf(`id="i%d-alt" name="alt" rows="3" maxlength="300"`, img.ID),
				fmt.Sprintf(`action="/studio/media/images/%d/delete"`, img.ID), "이 이미지를 삭제할까요?")

			redirected(t, ta, &tutor, formPost(ta, &tutor, imgPath(img.ID, ""), "alt", "요청과\r\n응답  흐름도"), "/studio/media#images").
				Contains("대체 텍스트를 저장했어요.", `alt="요청과 응답 흐름도"`)
			long := strings.Repeat("나", 301)
			formPost(ta, &tutor, imgPath(img.ID, ""), "alt", long).Status(422).
				Contains(`<details class="media-manage image-manage" data-manage open>`, "대체 텍스트는 300자 이내로 입력해 주세요.", ">"+long+"</textarea>")
			formPost(ta, &other, imgPath(img.ID, ""), "alt", "가로채기").Status(404)
			formPost(ta, &tutor, imgPath(their.ID, ""), "alt", "가로채기").Status(404)
			formPost(ta, &student, imgPath(img.ID, ""), "alt", "가로채기").Status(403)
			var got media.Image
			ta.Get(fmt.Sprintf("/api/images/%d/", img.ID), bearer(tutor)...).Status(200).JSON(&got)
			ta.Get(fmt.Sprintf("/api/images/%d/", their.ID), bearer(other)...).Status(200).Contains(`"alt":"남의 그림"`)
			if got.Alt != "요청과 응답 흐름도" {
				t.Errorf("alt %q", got.Alt)
			}

			// Deleting: not someone else's; twice is 404.
			formPost(ta, &other, imgPath(img.ID, "/delete")).Status(404)
			formPost(ta, &student, imgPath(img.ID, "/delete")).Status(403)
			formPost(ta, &tutor, imgPath(their.ID, "/delete")).Status(404)
			redirected(t, ta, &tutor, formPost(ta, &tutor, imgPath(img.ID, "/delete")), "/studio/media#images").
				Contains("이미지를 삭제했어요.", "아직 올린 이미지가 없어요.")
			formPost(ta, &tutor, imgPath(img.ID, "/delete")).Status(404)
			ta.Get(fmt.Sprintf("/api/images/%d/", img.ID), bearer(tutor)...).Status(404)
			ta.Get(fmt.Sprintf("/api/images/%d/", their.ID), bearer(other)...).Status(200)
		}

		// ---- Deleting a video.
		{
			gone := insertVideo(t, ta, tutor.ID, "지울 영상", "failed", 0, "ffprobe: moov atom not found")
			formPost(ta, &other, videoPath(gone, "/delete")).Status(404)
			formPost(ta, &student, videoPath(gone, "/delete")).Status(403)
			formPost(ta, &tutor, videoPath(theirs, "/delete")).Status(404)
			// A form posted from another site is refused.
			req := httptest.NewRequest(http.MethodPost, videoPath(gone, "/delete"), nil)
			for h := browserHeaders(&tutor, "Sec-Fetch-Site", "cross-site"); len(h) > 1; h = h[2:] {
				req.Header.Set(h[0], h[1])
			}
			ta.Do(req).Status(403)
			redirected(t, ta, &tutor, formPost(ta, &tutor, videoPath(gone, "/delete")), "/studio/media").
				Contains("영상을 삭제했어요: 지울 영상").NotContains(fmt.Sprintf(`id="video-%d"`, gone))
			formPost(ta, &tutor, videoPath(gone, "/delete")).Status(404).Contains("영상을 찾을 수 없습니다.")
			ta.Get(fmt.Sprintf("/api/videos/%d/", gone), bearer(tutor)...).Status(404)
			apiVideo(t, ta, other, theirs)

			// A video a course plays is kept; the flash names the course.
			mediaCourse(t, ta, tutor, vid)
			redirected(t, ta, &tutor, formPost(ta, &tutor, videoPath(vid, "/delete")), "/studio/media").
				Contains("alert-danger", "강좌에서 쓰고 있어 지울 수 없습니다: 영상 강좌", fmt.Sprintf(`id="video-%d"`, vid))
			apiVideo(t, ta, tutor, vid)
		}

		// ---- A second page of videos: its forms come back to it.
		for i := range 20 {
			insertVideo(t, ta, tutor.ID, fmt.Sprintf("영상 %d", i), "ready", 100, "")
		}
		page(ta, &tutor, "/studio/media").Status(200).Contains(`href="/studio/media?vpage=2"`)
		page(ta, &tutor, "/studio/media?vpage=2").Status(200).Contains(fmt.Sprintf(`id="video-%d"`, vid),
			fmt.Sprintf(`action="/studio/media/videos/%d?vpage=2"`, vid), fmt.Sprintf(`action="/studio/media/videos/%d/delete?vpage=2"`, vid))
		if loc := formPost(ta, &tutor, videoPath(vid, "?vpage=2"), "title", "1강").Status(303).Header.Get("Location"); loc != "/studio/media?vpage=2" {
			t.Errorf("redirect to %q", loc)
		}
	})
}

// The library page reads the same number of queries for 1 video as for 20
// (no query per video or image).
func TestStudioQueryCount(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		ctx := context.Background()
		add := func(n int) {
			for i := 0; i < n; i++ {
				now := ta.Clock.Now()
				_, err := ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, size, renditions, progress, created_at, updated_at)
					VALUES (?, 'v', 'ready', 1, '[{"name":"360p","height":360,"bandwidth":1}]', 100, ?, ?)`, tutor.ID, now, now).Exec(ctx)
				testkit.Must(t, err)
				_, err = ta.App.DB.W.NewRaw(`INSERT INTO media_images (owner_id, alt, format, width, height, size, variants, created_at, updated_at)
					VALUES (?, 'i', 'png', 1, 1, 1, '[{"name":"thumbnail","key":"images/1/thumbnail.png","width":1,"height":1,"content_type":"image/png","size":1}]', ?, ?)`,
					tutor.ID, now, now).Exec(ctx)
				testkit.Must(t, err)
			}
		}
		queries := func() int64 {
			page(ta, &tutor, "/studio/media").Status(200) // warm
			before := ta.App.DB.QueryCount()
			page(ta, &tutor, "/studio/media").Status(200)
			return ta.App.DB.QueryCount() - before
		}
		add(1)
		one := queries()
		add(19)
		if twenty := queries(); twenty != one {
			t.Fatalf("the library took %d queries with 1 video and image, %d with 20", one, twenty)
		}
	})
}
