package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Helpers for the media tests of the whole app: real users (registered and
// logged in through the API), uploads, a short ffmpeg clip, transcoding.

const mediaPW = "correct-horse-battery-9"

type mediaUser struct {
	ID    int64
	Token string
}

// auth is the bearer header of u (anonymous when u is nil).
func (u *mediaUser) auth() []string {
	if u == nil {
		return nil
	}
	return []string{"Authorization", "Bearer " + u.Token}
}

func newMediaUser(t testing.TB, ta *apptest.T, name, role string) *mediaUser {
	t.Helper()
	var u mediaUser
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": name + "@example.com",
		"password": mediaPW, "password_confirm": mediaPW, "nickname": name}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": mediaPW}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return &u
}

// mediaUpload posts a multipart body with a "file" part.
func mediaUpload(ta *apptest.T, path string, u *mediaUser, name string, data []byte) *testkit.Response {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	return ta.Do(req)
}

func mediaPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// haveFFmpeg reports whether ffmpeg and ffprobe are on PATH; CI must have them.
func haveFFmpeg(t testing.TB) bool {
	t.Helper()
	_, e1 := exec.LookPath("ffmpeg")
	_, e2 := exec.LookPath("ffprobe")
	if e1 != nil || e2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffmpeg and ffprobe are required in CI")
		}
		return false
	}
	return true
}

// mediaClip makes a short test video with ffmpeg (the test is skipped
// without it, outside CI).
func mediaClip(t testing.TB, seconds int) []byte {
	t.Helper()
	return testkit.VideoClip(t, seconds)
}

// readyVideo uploads data as tutor and waits for the transcoding job (the
// app's job runner must be started).
func readyVideo(t testing.TB, ta *apptest.T, tutor *mediaUser, data []byte) media.Video {
	t.Helper()
	var v media.Video
	mediaUpload(ta, "/api/videos/upload/", tutor, "clip.mp4", data).Status(202).JSON(&v)
	return waitVideo(t, ta, tutor, v.ID)
}

// waitVideo waits until video id, which u may see, is ready.
func waitVideo(t testing.TB, ta *apptest.T, u *mediaUser, id int64) media.Video {
	t.Helper()
	var v media.Video
	// Polls the state the job sets; the bound is for a busy 2-core machine.
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		ta.Get(fmt.Sprintf("/api/videos/%d/", id), u.auth()...).Status(200).JSON(&v)
		switch v.Status {
		case "ready":
			return v
		case "failed":
			t.Fatalf("transcoding failed: %s", v.Failure)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("video not ready in time")
	return v
}

// videoCourse creates a published course with a free and a premium video
// topic and returns the course's and the topics' ids.
func videoCourse(t testing.TB, ta *apptest.T, tutor *mediaUser, slug string) (course, free, premium int64) {
	t.Helper()
	var c struct {
		ID       int64
		Lectures []struct{ Topics []struct{ ID int64 } }
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": slug, "title": "영상 강좌 " + slug, "category": "frontend",
		"skill_level": "beginner", "price": 1000, "status": "published", "lectures": []map[string]any{{"slug": "l", "title": "강의",
			"topics": []map[string]any{{"slug": "free", "title": "무료", "kind": "video"},
				{"slug": "paid", "title": "유료", "kind": "video", "premium": true}}}}},
		tutor.auth()...).Status(201).JSON(&c)
	if len(c.Lectures) != 1 || len(c.Lectures[0].Topics) != 2 {
		t.Fatalf("course %+v", c)
	}
	return c.ID, c.Lectures[0].Topics[0].ID, c.Lectures[0].Topics[1].ID
}

// signedURLs plays pb the way a player does and returns every URL it loads:
// the master playlist, a media playlist, a segment, the poster and the MP4
// fallback. Each must answer, and ranges must work.
func signedURLs(t *testing.T, ta *apptest.T, pb media.Playback) map[string]string {
	t.Helper()
	urls := map[string]string{"master": pb.HLSURL, "poster": pb.PosterURL, "mp4": pb.MP4URL}
	master := ta.Get(pb.HLSURL).Status(200)
	if ct := master.Header.Get("Content-Type"); ct != "application/vnd.apple.mpegurl" {
		t.Fatalf("master playlist content type %q", ct)
	}
	for _, l := range strings.Split(string(master.Body), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			urls["playlist"] = l
			break
		}
	}
	if urls["playlist"] == "" {
		t.Fatalf("master playlist lists nothing:\n%s", master.Body)
	}
	pl := ta.Get(urls["playlist"]).Status(200)
	for _, l := range strings.Split(string(pl.Body), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			urls["segment"] = l
			break
		}
	}
	if urls["segment"] == "" {
		t.Fatalf("media playlist lists nothing:\n%s", pl.Body)
	}
	seg := ta.Get(urls["segment"]).Status(200)
	if seg.Header.Get("Content-Type") != "video/mp2t" || len(seg.Body) < 1000 {
		t.Fatalf("segment: %s, %d bytes", seg.Header.Get("Content-Type"), len(seg.Body))
	}
	if r := ta.Get(urls["segment"], "Range", "bytes=0-99").Status(206); len(r.Body) != 100 {
		t.Fatalf("segment range: %d bytes", len(r.Body))
	}
	poster := ta.Get(pb.PosterURL).Status(200)
	if !strings.HasPrefix(poster.Header.Get("Content-Type"), "image/") || len(poster.Body) == 0 {
		t.Fatalf("poster: %q, %d bytes", poster.Header.Get("Content-Type"), len(poster.Body))
	}
	mp4 := ta.Get(pb.MP4URL, "Range", "bytes=0-99").Status(206)
	if len(mp4.Body) != 100 || !strings.HasPrefix(mp4.Header.Get("Content-Range"), "bytes 0-99/") ||
		mp4.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("mp4 range: %d bytes, %q, %q", len(mp4.Body), mp4.Header.Get("Content-Range"), mp4.Header.Get("Content-Type"))
	}
	return urls
}

// mediaFileCount counts the files under the data directory's media store,
// temp directory and resumable uploads.
func mediaFileCount(t *testing.T, ta *apptest.T) int {
	t.Helper()
	n := 0
	for _, dir := range []string{"media", "tmp", "uploads"} {
		_ = filepath.WalkDir(filepath.Join(ta.App.Config.DataDir, dir), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
	}
	return n
}

func countRows(t *testing.T, ta *apptest.T, table string) int64 {
	t.Helper()
	n, err := ta.App.DB.R.NewSelect().Table(table).Count(context.Background())
	testkit.Must(t, err)
	return n
}

// The playback endpoint and the media URLs follow the catalog's gate
// through the real HTTP app: a premium topic's video plays for the owner,
// admins and entitled learners only, and stops playing when the entitlement
// goes; a free topic's video plays for anyone. Media URLs are only good with
// their signature, unaltered and unexpired.
func TestPremiumPlaybackFollowsEntitlements(t *testing.T) {
	t.Parallel()
	data := mediaClip(t, 2)
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		ent := &grants{}
		ta := apptest.New(t, dialect)
		testkit.Must(t, ta.App.ReplaceProvider(ent))
		testkit.Must(t, ta.App.Start(context.Background()))
		tutor := newMediaUser(t, ta, "tutor", "tutor")
		admin := newMediaUser(t, ta, "admin", "admin")
		buyer := newMediaUser(t, ta, "buyer", "student")
		other := newMediaUser(t, ta, "other", "student")
		otherTutor := newMediaUser(t, ta, "tutor2", "tutor")
		v := readyVideo(t, ta, tutor, data)
		course, free, premium := videoCourse(t, ta, tutor, "premium-video")
		elsewhere, _, _ := videoCourse(t, ta, otherTutor, "another-course")
		attach := func(topic int64) {
			t.Helper()
			ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": topic},
				tutor.auth()...).Status(204)
		}
		attach(premium)
		playback := fmt.Sprintf("/api/videos/%d/playback/", v.ID)
		callers := map[string]*mediaUser{"anonymous": nil, "tutor": tutor, "admin": admin, "buyer": buyer, "other": other,
			"other_tutor": otherTutor}

		var urls map[string]string // the buyer's signed URLs, once entitled
		for _, step := range []struct {
			name   string
			change func()
			want   map[string]int // caller → status; 0 is 200
		}{
			{"premium, nobody entitled", nil,
				map[string]int{"anonymous": 401, "buyer": 404, "other": 404, "other_tutor": 404}},
			{"buyer entitled, other entitled to another course", func() {
				ent.Grant(buyer.ID, course)
				ent.Grant(other.ID, elsewhere)
			}, map[string]int{"anonymous": 401, "other": 404, "other_tutor": 404}},
			{"buyer's entitlement revoked", func() { ent.Revoke(buyer.ID, course) },
				map[string]int{"anonymous": 401, "buyer": 404, "other": 404, "other_tutor": 404}},
			{"also on a free topic", func() { attach(free) }, map[string]int{}},
		} {
			t.Run(step.name, func(t *testing.T) {
				if step.change != nil {
					step.change()
				}
				for name, u := range callers {
					want := step.want[name]
					switch want {
					case 0:
						var pb media.Playback
						ta.Get(playback, u.auth()...).Status(200).JSON(&pb)
						if pb.VideoID != v.ID || pb.Duration < 1.5 || !pb.ExpiresAt.After(apptest.Epoch) {
							t.Fatalf("%s: playback %+v", name, pb)
						}
						if name == "buyer" && urls == nil {
							urls = signedURLs(t, ta, pb)
						}
					case 401:
						ta.Get(playback, u.auth()...).Problem(401, "auth.required")
					case 404:
						ta.Get(playback, u.auth()...).Problem(404, "media.video_not_found")
					default:
						t.Fatalf("bad want %d", want)
					}
				}
			})
		}
		if urls == nil {
			t.Fatal("the entitled buyer never got playback URLs")
		}

		// Someone without the signed URLs cannot make them: a changed
		// signature, a stretched expiry, another video's id or no signature
		// at all is refused.
		for name, u := range urls {
			tampered := strings.Replace(u, "sig=", "sig=0", 1)
			ta.Get(tampered, other.auth()...).Problem(403, "media.signature_invalid")
			stretched := strings.Replace(u, "exp=", "exp=9", 1)
			ta.Get(stretched, other.auth()...).Problem(403, "media.signature_invalid")
			unsigned, _, _ := strings.Cut(u, "?")
			ta.Get(unsigned, other.auth()...).Problem(403, "")
			moved := strings.Replace(u, fmt.Sprintf("/%d/", v.ID), fmt.Sprintf("/%d/", v.ID+1), 1)
			if moved == u {
				t.Fatalf("%s URL %s does not name the video", name, u)
			}
			if r := ta.Get(moved, other.auth()...); r.StatusCode != 403 {
				t.Fatalf("%s URL moved to another video: %d", name, r.StatusCode)
			}
		}
		// And every signed URL expires, saying so (not "signature invalid":
		// the player should fetch fresh URLs, not report tampering).
		ta.Clock.Advance(ta.App.Config.Media.URLTTL + time.Minute)
		for name, u := range urls {
			r := ta.Get(u, buyer.auth()...)
			var pd struct{ Code string }
			_ = json.Unmarshal(r.Body, &pd)
			if r.StatusCode != 403 || pd.Code != "media.url_expired" {
				t.Fatalf("%s URL after expiry: %d %q", name, r.StatusCode, pd.Code)
			}
		}
	})
}

// grants stands in for the module that sells access (catalog.Entitlements):
// Grant and Revoke change what the app sees at once. The zero value entitles
// nobody.
type grants struct {
	mu sync.Mutex
	m  map[[2]int64]bool // {userID, courseID}
}

func (g *grants) Grant(userID, courseID int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[[2]int64]bool{}
	}
	g.m[[2]int64{userID, courseID}] = true
}

func (g *grants) Revoke(userID, courseID int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, [2]int64{userID, courseID})
}

func (g *grants) EntitledCourses(_ context.Context, userID int64, courseIDs []int64) (map[int64]bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[int64]bool{}
	for _, id := range courseIDs {
		if g.m[[2]int64{userID, id}] {
			out[id] = true
		}
	}
	return out, nil
}
