package media_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// An image illustrates a course its owner may edit: the course then names
// it and its pages show it from /images/{id}/{variant}, which anyone who may
// see the course may load (a draft's picture only its editors); someone
// else's image or course is refused.
func TestImageIllustratesCourse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		student := newUser(t, ta, "student", "student")
		var img, theirs media.Image
		upload(ta, "/api/images/upload/", tutor, "cover.png", pngBytes(640, 360)).Status(201).JSON(&img)
		upload(ta, "/api/images/upload/", other, "cover.png", pngBytes(64, 36)).Status(201).JSON(&theirs)
		var course struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "pic", "title": "그림 있는 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 0, "status": "draft", "lectures": []map[string]any{{"slug": "l", "title": "강의",
				"topics": []map[string]any{{"slug": "a", "title": "글", "kind": "article", "body": "본문"}}}}},
			bearer(tutor)...).Status(201).JSON(&course)
		put := func(u user, imageID, courseID int64) *testkit.Response {
			return ta.Request(http.MethodPut, fmt.Sprintf("/api/images/%d/", imageID), map[string]any{"alt": "표지", "course_id": courseID}, bearer(u)...)
		}
		put(other, theirs.ID, course.ID).Problem(404, "catalog.course_not_found") // someone else's draft
		put(other, img.ID, course.ID).Problem(404, "")                            // not their image
		put(tutor, img.ID, 999999).Problem(404, "")                               // no such course
		put(tutor, img.ID, course.ID).Status(200).Contains(`"alt":"표지"`)

		var detail struct {
			Thumbnail    string
			ThumbnailURL string `json:"thumbnail_url"`
		}
		ta.Get(fmt.Sprintf("/api/courses/%d/", course.ID), bearer(tutor)...).Status(200).JSON(&detail)
		want := fmt.Sprintf("/images/%d/display", img.ID)
		if detail.Thumbnail != media.ImageRef(img.ID) || detail.ThumbnailURL != want {
			t.Fatalf("course picture %+v", detail)
		}
		// A draft's picture: its editors only.
		r := ta.Get(want, bearer(tutor)...).Status(200)
		if ct := r.Header.Get("Content-Type"); ct != "image/jpeg" && ct != "image/png" {
			t.Fatalf("content type %q", ct)
		}
		ta.Get(want, "If-None-Match", r.Header.Get("ETag")).Status(404) // anonymous: not even a 304
		ta.Get(want, append(bearer(tutor), "If-None-Match", r.Header.Get("ETag"))...).Status(304)
		ta.Get(want, bearer(student)...).Problem(404, "media.image_not_found")
		ta.Get(fmt.Sprintf("/images/%d/thumbnail", theirs.ID), bearer(student)...).Status(404)

		// Published: anyone, on the catalog page too.
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", course.ID), map[string]any{"status": "published"}, bearer(tutor)...).Status(200)
		put(other, theirs.ID, course.ID).Problem(403, "") // published, still not theirs
		ta.Get(want).Status(200)
		ta.Get(fmt.Sprintf("/images/%d/thumbnail", img.ID)).Status(200)
		ta.Get(fmt.Sprintf("/images/%d/huge", img.ID)).Status(404)
		ta.Get(fmt.Sprintf("/courses/%d", course.ID)).Status(200).Contains(`<img src="` + want + `" srcset="/images/`)
		ta.Get("/courses").Status(200).Contains(`<img src="` + want + `"`)

		// A deleted image is gone from its address.
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/images/%d/", img.ID), nil, bearer(tutor)...).Status(204)
		ta.Get(want).Status(404)
	})
}
