package app_test

import (
	"github.com/weaverse/weaverse/platform/testkit"
)

// mediaRows are the media module's routes.
func mediaRows(f *matrixFixture) []testkit.MatrixRow {
	return []testkit.MatrixRow{
		// Media (owners and admins; per-owner rules are tested in modules/media).
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
