package media_test

import (
	"fmt"
	"net/http"
	"strings"
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
	t.Parallel()
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

		// A picture in use is not deleted; once the course shows another
		// (here: none), it is, and is gone from its address.
		if p := ta.Request(http.MethodDelete, fmt.Sprintf("/api/images/%d/", img.ID), nil, bearer(tutor)...).Problem(409, "media.in_use"); !strings.Contains(fmt.Sprint(p["detail"]), "그림 있는 강좌") {
			t.Errorf("refusal %v does not name the course", p["detail"])
		}
		ta.Get(want).Status(200)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", course.ID), map[string]any{"thumbnail": ""}, bearer(tutor)...).Status(200)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/images/%d/", img.ID), nil, bearer(tutor)...).Status(204)
		ta.Get(want).Status(404)
	})
}

// A video a topic or a course intro plays is not deleted until it is
// detached; the refusal names the courses.
func TestVideoInUseIsKept(t *testing.T) {
	t.Parallel()
	data := clip(t, 1)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		var v media.Video
		upload(ta, "/api/videos/upload/", tutor, "clip.mp4", data).Status(202).JSON(&v)
		var course struct {
			ID       int64
			Lectures []struct {
				ID     int64
				Slug   string
				Title  string
				Topics []struct{ ID int64 }
			}
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "kept", "title": "영상 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 0, "status": "draft", "lectures": []map[string]any{{"slug": "l", "title": "강의",
				"topics": []map[string]any{{"slug": "v", "title": "영상", "kind": "video"}}}}},
			bearer(tutor)...).Status(201).JSON(&course)
		del := func() *testkit.Response {
			return ta.Request(http.MethodDelete, fmt.Sprintf("/api/videos/%d/", v.ID), nil, bearer(tutor)...)
		}
		for _, attach := range []map[string]any{{"topic_id": course.Lectures[0].Topics[0].ID}, {"course_id": course.ID}} {
			ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), attach, bearer(tutor)...).Status(204)
		}
		if p := del().Problem(409, "media.in_use"); !strings.Contains(fmt.Sprint(p["detail"]), "영상 강좌") {
			t.Errorf("refusal %v does not name the course", p["detail"])
		}
		// Detached from the intro, still on the topic.
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", course.ID), map[string]any{"intro_video": ""}, bearer(tutor)...).Status(200)
		del().Problem(409, "media.in_use")
		// The topic deleted (the outline without it): the video may go.
		ta.Request(http.MethodPut, fmt.Sprintf("/api/courses/%d/", course.ID), map[string]any{"slug": "kept", "title": "영상 강좌",
			"category": "frontend", "skill_level": "beginner", "price": 0, "status": "draft",
			"lectures": []map[string]any{{"id": course.Lectures[0].ID, "slug": "l", "title": "강의",
				"topics": []map[string]any{{"slug": "a", "title": "글", "kind": "article", "body": "본문"}}}}},
			bearer(tutor)...).Status(200)
		del().Status(204)
	})
}
