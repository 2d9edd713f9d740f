package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"

	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// image uploads an image as owner and returns its id.
func (f *matrixFixture) image(owner *testkit.Caller) int64 {
	f.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", "matrix.png")
	_, _ = fw.Write(mediaPNG(32, 18))
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/images/upload/", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+owner.AccessToken)
	var img media.Image
	f.ta.Do(req).Status(201).JSON(&img)
	return img.ID
}

// video makes a ready video of owner's and returns its id. Its
// row is all the routes of the matrix need (playback signs URLs without
// reading the files), and it needs no ffmpeg.
func (f *matrixFixture) video(owner *testkit.Caller) int64 {
	f.t.Helper()
	var id int64
	now := f.ta.Clock.Now()
	testkit.Must(f.t, f.ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, size, duration_ms, width, height,
		renditions, progress, created_at, updated_at) VALUES (?, 'matrix', 'ready', 1000, 60000, 1280, 720, '[]', 100, ?, ?) RETURNING id`,
		owner.UserID, now, now).Scan(context.Background(), &id))
	return id
}

// captioned makes a ready video of the tutor's with Korean captions.
func (f *matrixFixture) captioned() int64 {
	f.t.Helper()
	id := f.video(f.c["tutor"])
	f.as("tutor", http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/ko/", id), "WEBVTT\n").Status(200)
	return id
}

// ownMedia is a MatrixRow.Fresh whose path names a new video or image
// (made by mk) of the cell's caller, or of the tutor for the anonymous
// caller.
func ownMedia(f *matrixFixture, path string, mk func(*testkit.Caller) int64) func(string) (string, *testkit.Caller) {
	return func(name string) (string, *testkit.Caller) {
		owner := f.c[name]
		if owner == nil {
			owner = f.c["tutor"]
		}
		return fmt.Sprintf(path, mk(owner)), nil
	}
}

// mediaRows are the media module's routes, on real images and videos of
// the tutor (and of a bystander, which only an admin may delete): the
// owner and a stranger must not look the same.
func mediaRows(f *matrixFixture) []testkit.MatrixRow {
	tutor, bystander := f.c["tutor"], signUp(f.t, f.ta, "bystander", "tutor")
	image, video := f.image(tutor), f.video(tutor)
	img := func(id int64) string { return fmt.Sprintf("/api/images/%d/", id) }
	vid := func(id int64) string { return fmt.Sprintf("/api/videos/%d/", id) }
	// Each cell of a changing row gets its own image or video.
	freshImage := func(path string) func(string) (string, *testkit.Caller) {
		return fresh(func() string { return fmt.Sprintf(path, f.image(tutor)) })
	}
	freshVideo := func(path string) func(string) (string, *testkit.Caller) {
		return fresh(func() string { return fmt.Sprintf(path, f.video(tutor)) })
	}
	freshCaptioned := func(path string) func(string) (string, *testkit.Caller) {
		return fresh(func() string { return fmt.Sprintf(path, f.captioned()) })
	}
	// Someone else's image or video is 404, as one that does not exist;
	// students may not use videos or the library at all.
	ownImage := func() testkit.Expect {
		return testkit.All(401, "anonymous").And(404, "student", "other_student", otherTutor)
	}
	ownVideo := func() testkit.Expect {
		return testkit.All(401, "anonymous").And(403, notAuthor...).And(404, otherTutor)
	}
	// The library's pages: anonymous form posts are refused (401).
	library := ownVideo
	// Without Tus-Resumable, a new upload is 412 Precondition Failed, as
	// the tus protocol says; an instance without ffmpeg takes no video
	// uploads at all (503, checked first).
	tusCreate := 412
	if !f.transcoding {
		f.t.Log("ffmpeg is not installed: a new resumable upload is expected to answer 503, not 412")
		tusCreate = 503
	}
	// The captions form, as the library page sends it.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("lang", "ko")
	_ = mw.WriteField("label", "한국어")
	fw, _ := mw.CreateFormFile("file", "ko.vtt")
	_, _ = fw.Write([]byte("WEBVTT\n"))
	_ = mw.Close()
	captions, captionsType := form.Bytes(), mw.FormDataContentType()
	return []testkit.MatrixRow{
		// The tutor's image: theirs and the admin's to read and change.
		{Method: "GET", Path: "/api/images/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: img(image), Want: ownImage().And(200, editors...)},
		{Method: "PUT", Path: "/api/images/{id}/", Fresh: freshImage("/api/images/%d/"), Body: map[string]any{"alt": "x"}, Want: ownImage().And(200, editors...)},
		{Method: "GET", Path: fmt.Sprintf("/images/%d/display", image), Want: testkit.All(404, everyone...).And(200, editors...)},
		{Method: "POST", Path: "/studio/media/images/:id", Fresh: freshImage("/studio/media/images/%d"), Page: true, Body: "alt=x", Want: library().And(303, editors...)},
		{Method: "POST", Path: "/studio/media/images/:id/delete", Fresh: freshImage("/studio/media/images/%d/delete"), Page: true, Body: "", Want: library().And(303, editors...)},
		// Deleted by the tutor or an admin; a bystander's by an admin only.
		{Method: "DELETE", Path: "/api/images/{id}/", Fresh: freshImage("/api/images/%d/"), Want: ownImage().And(204, editors...)},
		{Method: "DELETE", Path: "/api/images/{id}/", Fresh: fresh(func() string { return img(f.image(bystander)) }),
			Want: ownImage().And(404, "tutor").And(204, "admin")},
		// The tutor's video: theirs and the admin's to read, play and change.
		{Method: "GET", Path: "/api/videos/", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "GET", Path: vid(video), Want: ownVideo().And(200, editors...)},
		{Method: "PUT", Path: "/api/videos/{id}/", Fresh: freshVideo("/api/videos/%d/"), Body: map[string]any{"title": "x"}, Want: ownVideo().And(200, editors...)},
		{Method: "PUT", Path: "/api/videos/{id}/captions/ko/", Fresh: freshVideo("/api/videos/%d/captions/ko/"), Body: "WEBVTT\n", Want: ownVideo().And(200, editors...)},
		{Method: "DELETE", Path: "/api/videos/{id}/captions/ko/", Fresh: freshCaptioned("/api/videos/%d/captions/ko/"), Want: ownVideo().And(204, editors...)},
		{Method: "GET", Path: vid(video) + "playback/", Want: ownImage().And(200, editors...)},
		{Method: "GET", Path: fmt.Sprintf("/watch/%d", video), Page: true, Want: testkit.All(303, "anonymous").And(404, "student", "other_student", otherTutor).And(200, editors...)},
		{Method: "POST", Path: "/studio/media/videos/:id", Fresh: freshVideo("/studio/media/videos/%d"), Page: true, Body: "title=x", Want: library().And(303, editors...)},
		{Method: "POST", Path: "/studio/media/videos/:id/delete", Fresh: freshVideo("/studio/media/videos/%d/delete"), Page: true, Body: "", Want: library().And(303, editors...)},
		{Method: "POST", Path: "/studio/media/videos/:id/captions", Fresh: freshVideo("/studio/media/videos/%d/captions"), Page: true,
			Body: captions, ContentType: captionsType, Want: library().And(303, editors...)},
		{Method: "POST", Path: "/studio/media/videos/:id/captions/:lang/delete", Fresh: freshCaptioned("/studio/media/videos/%d/captions/ko/delete"), Page: true, Body: "",
			Want: library().And(303, editors...)},
		// Used in a course from the library: the tutor's video as the intro
		// of the tutor's course, the tutor's image as its picture (someone
		// else's media are 404; a course the caller may not edit comes back
		// with an error flash, 303, as the next row shows).
		{Method: "POST", Path: "/studio/media/videos/:id/attach", Fresh: freshVideo("/studio/media/videos/%d/attach"), Page: true,
			Body: fmt.Sprintf("target=course:%d", f.courseID), Want: library().And(303, editors...)},
		{Method: "POST", Path: "/studio/media/images/:id/attach", Fresh: freshImage("/studio/media/images/%d/attach"), Page: true,
			Body: fmt.Sprintf("course_id=%d", f.courseID), Want: library().And(303, editors...)},
		// The caller's own video and image into the tutor's course: another
		// tutor may not edit it (an error flash, never an error page).
		{Method: "POST", Path: "/studio/media/videos/:id/attach", Fresh: ownMedia(f, "/studio/media/videos/%d/attach", f.video), Page: true,
			Body: fmt.Sprintf("target=course:%d", f.courseID), Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(303, editors...).And(303, otherTutor)},
		{Method: "POST", Path: "/studio/media/images/:id/attach", Fresh: ownMedia(f, "/studio/media/images/%d/attach", f.image), Page: true,
			Body: fmt.Sprintf("course_id=%d", f.courseID), Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(303, editors...).And(303, otherTutor)},
		// The tutor's course may show it (the admin may edit any course).
		{Method: "POST", Path: "/api/videos/{id}/attach/", Fresh: freshVideo("/api/videos/%d/attach/"), Body: map[string]any{"course_id": f.courseID}, Want: ownVideo().And(204, editors...)},
		// Deleted by the tutor or an admin; a bystander's by an admin only.
		{Method: "DELETE", Path: "/api/videos/{id}/", Fresh: freshVideo("/api/videos/%d/"), Want: ownVideo().And(204, editors...)},
		{Method: "DELETE", Path: "/api/videos/{id}/", Fresh: fresh(func() string { return vid(f.video(bystander)) }),
			Want: ownVideo().And(404, "tutor").And(204, "admin")},
		// Uploads and resumable uploads (plain routes: they stream their bodies).
		{Method: "POST", Path: "/api/images/upload/", Body: "", Want: testkit.All(401, "anonymous").And(415, signedIn...)},
		{Method: "POST", Path: "/api/videos/upload/", Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		{Method: "OPTIONS", Path: "/api/videos/tus", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "POST", Path: "/api/videos/tus", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(tusCreate, editors...).And(tusCreate, otherTutor)},
		{Method: "PATCH", Path: "/api/videos/tus/nope", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "POST", Path: "/api/videos/tus/nope", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "DELETE", Path: "/api/videos/tus/nope", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		{Method: "GET", Path: "/api/videos/tus/nope/video", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(404, editors...).And(404, otherTutor)},
		// Signed files: a link without its signature is refused to everyone, the owner too.
		{Method: "GET", Path: fmt.Sprintf("/media/videos/%d/poster.jpg", video), Want: testkit.All(403, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/media/hls/%d/master.m3u8", video), Want: testkit.All(403, everyone...)},
		// Pages.
		{Method: "GET", Path: "/studio/media", Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		// Opened to pick the tutor's course's picture: another tutor gets the
		// library with a notice.
		{Method: "GET", Path: fmt.Sprintf("/studio/media?for=course%%3A%d", f.courseID), Page: true,
			Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "POST", Path: "/studio/media/videos", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		{Method: "POST", Path: "/studio/media/images", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
	}
}
