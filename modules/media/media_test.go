package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/media"
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

func bearer(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

// upload posts a multipart body with a "file" part (and extra fields).
func upload(ta *apptest.T, path string, u user, name string, data []byte, fields ...string) *testkit.Response {
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
	req.Header.Set("Authorization", "Bearer "+u.Token)
	return ta.Do(req)
}

func pngBytes(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func mediaFiles(t *testing.T, ta *apptest.T) int {
	n := 0
	_ = filepath.WalkDir(filepath.Join(ta.App.Config.DataDir, "media"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(d.Name(), ".tmp") {
			n++
		}
		return nil
	})
	return n
}

func TestImages(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := newUser(t, ta, "alice", "student")
		b := newUser(t, ta, "bob", "student")
		var img media.Image
		upload(ta, "/api/images/upload/", a, "photo.png", pngBytes(800, 600), "alt", "사진").Status(201).JSON(&img)
		if img.Width != 800 || len(img.Variants) != 3 || img.Alt != "사진" {
			t.Fatalf("image %+v", img)
		}
		var thumb media.ImageVariant
		for _, v := range img.Variants {
			if v.Name == "thumbnail" {
				thumb = v
			}
		}
		if thumb.Width != 320 || thumb.Height != 240 {
			t.Fatalf("thumbnail %+v", thumb)
		}
		got := ta.Get(thumb.URL).Status(200)
		if got.Header.Get("Content-Type") != "image/png" && got.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("variant content type %q", got.Header.Get("Content-Type"))
		}
		ta.Get(strings.Replace(thumb.URL, "sig=", "sig=x", 1)).Problem(403, "media.signature_invalid")
		unsigned, _, _ := strings.Cut(thumb.URL, "?")
		ta.Get(unsigned).Problem(403, "")

		// Owners only; others get 404.
		ta.Get(fmt.Sprintf("/api/images/%d/", img.ID), bearer(b)...).Problem(404, "media.image_not_found")
		ta.Request(http.MethodPut, fmt.Sprintf("/api/images/%d/", img.ID), map[string]string{"alt": "x"}, bearer(b)...).Problem(404, "")
		ta.Request(http.MethodPut, fmt.Sprintf("/api/images/%d/", img.ID), map[string]string{"alt": "새 설명"}, bearer(a)...).Status(200).Contains("새 설명")
		ta.Get("/api/images/", bearer(b)...).Status(200).Contains(`"count":0`)
		ta.Get("/api/images/", bearer(a)...).Status(200).Contains(`"count":1`)

		// Refusals change nothing.
		files := mediaFiles(t, ta)
		upload(ta, "/api/images/upload/", a, "evil.jpg", []byte("just some text, not an image at all")).Problem(415, "media.image_unsupported")
		bomb := pngBytes(1, 1)
		copy(bomb[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})            // 100000×100000 in the IHDR…
		binary.BigEndian.PutUint32(bomb[29:33], crc32.ChecksumIEEE(bomb[12:29])) // …with a valid CRC
		upload(ta, "/api/images/upload/", a, "bomb.png", bomb).Problem(413, "")
		// 21 bytes whose "header" declares 25120×29813 pixels: broken, not large.
		upload(ta, "/api/images/upload/", a, "x.png", []byte("GIF89a but not really")).Problem(422, "media.image_corrupt")
		// Over the server's body limit, the body streams to the handler, which
		// stops reading at the image limit (a real connection: app.Test
		// cannot stream).
		base := testkit.Listen(t, ta.App.Fiber)
		var mb bytes.Buffer
		mw := multipart.NewWriter(&mb)
		fw, _ := mw.CreateFormFile("file", "big.png")
		_, _ = fw.Write(append(pngBytes(10, 10), make([]byte, 11<<20)...))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, base+"/api/images/upload/", &mb)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+a.Token)
		// The server answers 413 as soon as the limit is passed and closes
		// the connection; the client may see that as a reset while it is
		// still sending.
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode != 413 {
				t.Fatalf("11 MiB image: %d", resp.StatusCode)
			}
		} else if !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "broken pipe") {
			t.Fatalf("11 MiB image: %v", err)
		}
		ta.Request(http.MethodPost, "/api/images/upload/", `{"file":"x"}`, append(bearer(a), "Content-Type", "application/json")...).Problem(415, "media.multipart_required")
		if n := mediaFiles(t, ta); n != files {
			t.Fatalf("refused uploads left %d files", n-files)
		}
		n, _ := ta.App.DB.R.NewSelect().Table("media_images").Count(context.Background())
		if n != 1 {
			t.Fatalf("%d image rows", n)
		}
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/images/%d/", img.ID), nil, bearer(a)...).Status(204)
		ta.Get(thumb.URL).Status(404)
		upload(ta, "/api/images/upload/", user{}, "photo.png", pngBytes(10, 10)).Problem(401, "")
	})
}

// clip makes a short test video with ffmpeg.
func clip(t *testing.T, seconds int) []byte {
	t.Helper()
	return testkit.VideoClip(t, seconds)
}

func started(t *testing.T, ta *apptest.T) {
	testkit.Must(t, ta.App.Start(context.Background()))
}

func waitReady(t *testing.T, ta *apptest.T, u user, id int64) media.Video {
	t.Helper()
	// Polls the state the job sets; the bound is for a busy 2-core machine.
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var v media.Video
		ta.Get(fmt.Sprintf("/api/videos/%d/", id), bearer(u)...).Status(200).JSON(&v)
		switch v.Status {
		case "ready":
			return v
		case "failed":
			t.Fatalf("transcoding failed: %s", v.Failure)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("video not ready in time")
	return media.Video{}
}

// The whole pipeline: upload, probe, transcode in a job, attach, and play
// through signed URLs (playlists and segments); expired or tampered
// signatures get 403; a learner not entitled to a premium topic gets nothing.
func TestVideoPipeline(t *testing.T) {
	t.Parallel()
	data := clip(t, 10)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		started(t, ta)
		tutor := newUser(t, ta, "tutor", "tutor")
		student := newUser(t, ta, "student", "student")
		upload(ta, "/api/videos/upload/", student, "clip.mp4", data).Problem(403, "")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "clip.mp4", data, "title", "샘플 영상").Status(202).JSON(&v)
		if v.Status != "processing" || v.Duration < 9.5 || v.Width != 320 {
			t.Fatalf("upload answer %+v", v)
		}
		v = waitReady(t, ta, tutor, v.ID)
		if len(v.Renditions) == 0 || v.Progress != 100 {
			t.Fatalf("ready video %+v", v)
		}
		// A course with a free and a premium video topic.
		var course struct {
			ID       int64
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "v", "title": "영상 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 1000, "status": "published", "lectures": []map[string]any{{"slug": "l", "title": "강의",
				"topics": []map[string]any{{"slug": "free", "title": "무료", "kind": "video"}, {"slug": "paid", "title": "유료", "kind": "video", "premium": true}}}}},
			bearer(tutor)...).Status(201).JSON(&course)
		free, paid := course.Lectures[0].Topics[0].ID, course.Lectures[0].Topics[1].ID
		// Only the owner attaches; others cannot take the video.
		other := newUser(t, ta, "other", "tutor")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free}, bearer(other)...).Problem(404, "")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free}, bearer(tutor)...).Status(204)

		var pb media.Playback
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID)).Status(200).JSON(&pb)
		master := ta.Get(pb.HLSURL).Status(200)
		if master.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
			t.Fatalf("master content type %q", master.Header.Get("Content-Type"))
		}
		var variant string
		for _, l := range strings.Split(string(master.Body), "\n") {
			if strings.HasPrefix(l, "/media/hls/") {
				variant = l
			}
		}
		mediaPL := ta.Get(variant).Status(200)
		var segment string
		for _, l := range strings.Split(string(mediaPL.Body), "\n") {
			if strings.HasPrefix(l, "/media/videos/") && strings.Contains(l, ".ts") {
				segment = l
				break
			}
		}
		seg := ta.Get(segment).Status(200)
		if seg.Header.Get("Content-Type") != "video/mp2t" || len(seg.Body) < 1000 {
			t.Fatalf("segment %s: %d bytes", seg.Header.Get("Content-Type"), len(seg.Body))
		}
		ta.Get(segment, "Range", "bytes=0-99").Status(206)
		ta.Get(pb.MP4URL).Status(200)
		ta.Get(pb.PosterURL).Status(200)
		ta.Get(strings.Replace(pb.HLSURL, "sig=", "sig=0", 1)).Problem(403, "")
		ta.Get(strings.Replace(segment, "sig=", "sig=0", 1)).Problem(403, "")

		// The same video on a premium topic only: a student not entitled gets nothing.
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": paid}, bearer(tutor)...).Status(204)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", course.ID), map[string]any{"lectures": []map[string]any{{"slug": "l", "title": "강의",
			"topics": []map[string]any{{"id": paid, "slug": "paid", "title": "유료", "kind": "video", "premium": true, "video": media.VideoRef(v.ID)}}}}},
			bearer(tutor)...).Status(200)
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), bearer(student)...).Problem(404, "")
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID)).Problem(401, "")
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), bearer(tutor)...).Status(200)
		unsigned, _, _ := strings.Cut(segment, "?")
		ta.Get(unsigned, bearer(student)...).Problem(403, "")

		// Signed URLs expire.
		ta.Clock.Advance(3 * time.Hour)
		ta.Get(pb.HLSURL).Problem(403, "")
		ta.Get(segment).Problem(403, "media.url_expired")
	})
}

func TestVideoRefusals(t *testing.T) {
	t.Parallel()
	data := clip(t, 2)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		upload(ta, "/api/videos/upload/", tutor, "notes.mp4", []byte("this is a text file renamed to .mp4")).Problem(415, "media.not_a_video")
		big := append(append([]byte{}, data...), make([]byte, 2<<20)...)
		upload(ta, "/api/videos/upload/", tutor, "big.mp4", big).Problem(413, "media.video_too_large")
		n, _ := ta.App.DB.R.NewSelect().Table("media_videos").Count(context.Background())
		if n != 0 || mediaFiles(t, ta) != 0 {
			t.Fatalf("refused uploads left %d rows, %d files", n, mediaFiles(t, ta))
		}
	}, func(cfg *config.Config, o *app.Options) { cfg.Media.MaxVideoBytes = 1 << 20 })
}

// An image row is inserted before its variants are stored; an upload cut
// in between (the instance dies, the storage fails) leaves a row with no
// variants until the sweep removes it. Its owner never sees it: not in the
// list, not by id.
func TestUnfinishedImageIsNotShown(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := newUser(t, ta, "alice", "student")
		var img media.Image
		upload(ta, "/api/images/upload/", a, "photo.png", pngBytes(40, 30)).Status(201).JSON(&img)
		now := time.Now().UTC()
		var cut int64
		testkit.Must(t, ta.App.DB.W.NewRaw(`INSERT INTO media_images (owner_id, alt, format, width, height, size, variants,
			source_sha256, created_at, updated_at) VALUES (?, '', 'png', 40, 30, 0, '[]', 'x', ?, ?) RETURNING id`, a.ID, now, now).
			Scan(context.Background(), &cut))
		var list struct {
			Count   int
			Results []media.Image
		}
		ta.Get("/api/images/", bearer(a)...).Status(200).JSON(&list)
		if list.Count != 1 || len(list.Results) != 1 || list.Results[0].ID != img.ID {
			t.Fatalf("list shows %d images %+v, want only %d", list.Count, list.Results, img.ID)
		}
		ta.Get(fmt.Sprintf("/api/images/%d/", cut), bearer(a)...).Problem(404, "media.image_not_found")
		ta.Get(fmt.Sprintf("/api/images/%d/", img.ID), bearer(a)...).Status(200)
	})
}

// The first 15 KB of a 3 s MP4 whose index comes first: the upload probes
// as a 3 s video, but only a fraction of it decodes. It must end failed
// with a reason code, not ready with a 3 s duration.
func TestTruncatedVideoFails(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed: cannot make the truncated clip")
	}
	out := filepath.Join(t.TempDir(), "clip.mp4")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=3",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-shortest", "-movflags", "+faststart", out).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	testkit.Must(t, err)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		started(t, ta)
		tutor := newUser(t, ta, "tutor", "tutor")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "cut.mp4", data[:15<<10]).Status(202).JSON(&v)
		v = waitFailed(t, ta, tutor, v, "a truncated clip")
		if !strings.HasPrefix(v.Failure, "media.video_truncated:") {
			t.Fatalf("failure %q, want media.video_truncated", v.Failure)
		}
	})
}

// waitFailed polls video v until it fails (within 5 minutes, for a loaded
// machine); what names it in the failure if it becomes ready instead.
func waitFailed(t *testing.T, ta *apptest.T, tutor user, v media.Video, what string) media.Video {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Minute); v.Status != "failed"; {
		if v.Status == "ready" {
			t.Fatalf("%s became ready: %+v", what, v)
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %q after 5 minutes", v.Status)
		}
		time.Sleep(50 * time.Millisecond) // polling the state, not waiting for it to happen
		ta.Get(fmt.Sprintf("/api/videos/%d/", v.ID), bearer(tutor)...).Status(200).JSON(&v)
	}
	return v
}

// An 8 s clip whose Matroska header declares 2 s passes the length check at
// upload; the transcode sees it play longer and fails it with a reason code.
func TestVideoLongerThanDeclaredFails(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed: cannot make the clip")
	}
	out := filepath.Join(t.TempDir(), "clip.mkv")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=8",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", out).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	testkit.Must(t, err)
	i := bytes.Index(data, []byte{0x44, 0x89, 0x88}) // Duration, an 8-byte float in ms
	if i < 0 {
		t.Fatal("no Duration element in the MKV")
	}
	binary.BigEndian.PutUint64(data[i+3:], math.Float64bits(2000))
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		started(t, ta)
		tutor := newUser(t, ta, "tutor", "tutor")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "long.mkv", data).Status(202).JSON(&v)
		if v.Duration != 2 {
			t.Fatalf("upload reports %v s; the fixture no longer declares 2 s", v.Duration)
		}
		v = waitFailed(t, ta, tutor, v, "a clip longer than declared")
		if !strings.HasPrefix(v.Failure, "media.video_too_long:") {
			t.Fatalf("failure %q, want media.video_too_long", v.Failure)
		}
	})
}

// The upload routes (plain Fiber routes: they stream their bodies) are in
// the OpenAPI document like every other route a client may call.
func TestPlainRoutesDocumented(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Required []string `json:"required"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	ta.Get("/api/openapi.json").Status(200).JSON(&doc)
	for _, tc := range []struct{ path, status, schema string }{
		{"/api/images/upload", "201", "#/components/schemas/Image"},
		{"/api/videos/upload", "202", "#/components/schemas/Video"},
	} {
		op, ok := doc.Paths[tc.path]["post"]
		if !ok {
			t.Errorf("POST %s is not documented", tc.path)
			continue
		}
		if req := op.RequestBody.Content["multipart/form-data"].Schema.Required; len(req) != 1 || req[0] != "file" {
			t.Errorf("POST %s: multipart body with a required file, got %+v", tc.path, op.RequestBody)
		}
		if got := op.Responses[tc.status].Content["application/json"].Schema.Ref; got != tc.schema {
			t.Errorf("POST %s: %s answers %q, want %s", tc.path, tc.status, got, tc.schema)
		}
		for _, code := range []string{"401", "413", "415", "422"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("POST %s: %s not documented", tc.path, code)
			}
		}
	}
	for _, p := range []string{"/images/{id}/{variant}", "/media/hls/{id}/master.m3u8"} {
		if _, ok := doc.Paths[p]["get"]; !ok {
			t.Errorf("GET %s is not documented", p)
		}
	}
}

// What follows the file in an upload form is read and dropped, within a
// bound: a small field after the file is fine, 100 KiB of them is refused
// and stores nothing.
func TestUploadDataAfterFile(t *testing.T) {
	t.Parallel()
	ta := apptest.New(t, "sqlite")
	u := newUser(t, ta, "after", "student")
	post := func(trailer int) *testkit.Response {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", "a.png")
		_, _ = fw.Write(pngBytes(64, 48))
		_ = w.WriteField("note", strings.Repeat("x", trailer))
		_ = w.Close()
		req := httptest.NewRequest(http.MethodPost, "/api/images/upload/", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+u.Token)
		return ta.Do(req)
	}
	post(1 << 10).Status(201)
	post(100<<10).Problem(400, "request.invalid")
	n, err := ta.App.DB.R.NewSelect().Table("media_images").Count(context.Background())
	testkit.Must(t, err)
	if n != 1 {
		t.Fatalf("%d images stored, want the first only", n)
	}
}
