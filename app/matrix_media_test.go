package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"

	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/testkit"
)

// matrixImage uploads an image as p.
func matrixImage(f *matrixFixture, p *authz.Principal) int64 {
	f.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", "matrix.png")
	_, _ = fw.Write(mediaPNG(32, 18))
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/images/upload/", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	var img media.Image
	f.ta.As(p).Do(req).Status(201).JSON(&img)
	return img.ID
}

// matrixVideo makes a ready video of owner: its row is all the routes of
// the matrix need (playback signs URLs without reading the files).
func matrixVideo(f *matrixFixture, owner int64) int64 {
	f.t.Helper()
	var id int64
	now := f.ta.Clock.Now()
	testkit.Must(f.t, f.ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, size, duration_ms, width, height,
		renditions, progress, created_at, updated_at) VALUES (?, 'matrix', 'ready', 1000, 60000, 1280, 720, '[]', 100, ?, ?) RETURNING id`,
		owner, now, now).Scan(context.Background(), &id))
	return id
}

// mediaRows are the media module's routes: for ids that do not exist, and
// for the tutor's own images and videos (and a bystander's, which only an
// admin may delete).
func mediaRows(f *matrixFixture) []testkit.MatrixRow {
	var by struct{ ID int64 }
	f.ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": "bystander@example.com",
		"password": "correct-horse-battery-9", "password_confirm": "correct-horse-battery-9", "nickname": "bystander"}).
		Status(201).JSON(&by)
	bystander := &authz.Principal{UserID: by.ID, Role: authz.Tutor, SessionID: "matrix"}
	image, doomedImage, theirImage := matrixImage(f, f.c["tutor"]), matrixImage(f, f.c["tutor"]), matrixImage(f, bystander)
	video, doomedVideo, theirVideo := matrixVideo(f, f.id("tutor")), matrixVideo(f, f.id("tutor")), matrixVideo(f, by.ID)
	img := func(id int64) string { return fmt.Sprintf("/api/images/%d/", id) }
	vid := func(id int64) string { return fmt.Sprintf("/api/videos/%d/", id) }
	// Someone else's image or video is 404, as one that does not exist;
	// students may not use videos or the library at all.
	ownImage := func() testkit.Expect {
		return testkit.All(401, "anonymous").And(404, "student", "other_student", otherTutor)
	}
	ownVideo := func() testkit.Expect {
		return testkit.All(401, "anonymous").And(403, notAuthor...).And(404, otherTutor)
	}
	return []testkit.MatrixRow{
		// The tutor's image: theirs and the admin's to read and change.
		{Method: "GET", Path: img(image), Want: ownImage().And(200, editors...)},
		{Method: "PUT", Path: img(image), Body: map[string]any{"alt": "x"}, Want: ownImage().And(200, editors...)},
		{Method: "GET", Path: fmt.Sprintf("/images/%d/display", image), Want: testkit.All(404, everyone...).And(200, editors...)},
		{Method: "POST", Path: fmt.Sprintf("/studio/media/images/%d", image), Page: true, Body: "alt=x", Want: ownVideo().And(303, editors...)},
		// Deleted by the tutor (so the admin, after them, finds nothing); a
		// bystander's by the admin only.
		{Method: "DELETE", Path: img(doomedImage), Want: ownImage().And(204, "tutor").And(404, "admin")},
		{Method: "DELETE", Path: img(theirImage), Want: ownImage().And(404, "tutor").And(204, "admin")},
		// The tutor's video: theirs and the admin's to read, play and change.
		{Method: "GET", Path: vid(video), Want: ownVideo().And(200, editors...)},
		{Method: "PUT", Path: vid(video), Body: map[string]any{"title": "x"}, Want: ownVideo().And(200, editors...)},
		{Method: "PUT", Path: vid(video) + "captions/ko/", Body: "WEBVTT\n", Want: ownVideo().And(200, editors...)},
		{Method: "GET", Path: vid(video) + "playback/", Want: ownImage().And(200, editors...)},
		{Method: "GET", Path: fmt.Sprintf("/watch/%d", video), Page: true, Want: testkit.All(303, "anonymous").And(404, "student", "other_student", otherTutor).And(200, editors...)},
		{Method: "POST", Path: fmt.Sprintf("/studio/media/videos/%d", video), Page: true, Body: "title=x", Want: ownVideo().And(303, editors...)},
		// Removed by the tutor, so the admin finds no Korean captions.
		{Method: "DELETE", Path: vid(video) + "captions/ko/", Want: ownVideo().And(204, "tutor").And(404, "admin")},
		// The tutor's course may show it (the admin may edit any course).
		{Method: "POST", Path: vid(video) + "attach/", Body: map[string]any{"course_id": f.courseID}, Want: ownVideo().And(204, editors...)},
		{Method: "DELETE", Path: vid(doomedVideo), Want: ownVideo().And(204, "tutor").And(404, "admin")},
		{Method: "DELETE", Path: vid(theirVideo), Want: ownVideo().And(404, "tutor").And(204, "admin")},
		// Ids that do not exist.
		{Method: "GET", Path: "/api/images/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: "/api/images/999999/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "PUT", Path: "/api/images/999999/", Body: map[string]any{"alt": "x"}, Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "DELETE", Path: "/api/images/999999/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "GET", Path: "/api/videos/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "GET", Path: "/api/videos/999999/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "PUT", Path: "/api/videos/999999/", Body: map[string]any{"title": "x"}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "DELETE", Path: "/api/videos/999999/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/api/videos/999999/attach/", Body: map[string]any{"topic_id": 1}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "GET", Path: "/api/videos/999999/playback/", Want: testkit.All(404, everyone...)},
		{Method: "PUT", Path: "/api/videos/999999/captions/ko/", Body: "WEBVTT\n", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "DELETE", Path: "/api/videos/999999/captions/ko/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		// Uploads and resumable uploads (plain routes: they stream their bodies).
		{Method: "POST", Path: "/api/images/upload/", Body: "", Want: testkit.All(401, "anonymous").And(415, signedIn...)},
		{Method: "POST", Path: "/api/videos/upload/", Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		{Method: "OPTIONS", Path: "/api/videos/tus", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		// Without Tus-Resumable: 412 Precondition Failed, as the tus protocol says.
		{Method: "POST", Path: "/api/videos/tus", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(412, editors...).And(412, otherTutor)},
		{Method: "PATCH", Path: "/api/videos/tus/nope", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/api/videos/tus/nope", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "DELETE", Path: "/api/videos/tus/nope", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "GET", Path: "/api/videos/tus/nope/video", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		// Signed files: a link without its signature is refused to everyone.
		{Method: "GET", Path: "/media/videos/1/poster.jpg", Want: testkit.All(403, everyone...)},
		{Method: "GET", Path: "/media/hls/1/master.m3u8", Want: testkit.All(403, everyone...)},
		{Method: "GET", Path: "/images/999999/display", Want: testkit.All(404, everyone...)},
		// Pages.
		{Method: "GET", Path: "/watch/999999", Page: true, Want: testkit.All(404, everyone...)},
		{Method: "GET", Path: "/studio/media", Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "POST", Path: "/studio/media/videos", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		{Method: "POST", Path: "/studio/media/images", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		{Method: "POST", Path: "/studio/media/videos/999999", Page: true, Body: "title=x", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/studio/media/videos/999999/delete", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/studio/media/videos/999999/captions", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		{Method: "POST", Path: "/studio/media/videos/999999/captions/ko/delete", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/studio/media/images/999999", Page: true, Body: "alt=x", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/studio/media/images/999999/delete", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
	}
}
