package app_test

import (
	"fmt"

	"github.com/weaverse/weaverse/platform/testkit"
)

// catalogRows are the catalog module's routes.
func catalogRows(f *matrixFixture) []testkit.MatrixRow {
	courseURL, curriculumURL := f.courseURL, f.curriculumURL
	course := func() string { return fmt.Sprintf("/api/courses/%d/", f.course()) }
	curriculum := func() string { return fmt.Sprintf("/api/curriculums/%d/", f.curriculum()) }
	studio := func(suffix string) func() string {
		return func() string { return fmt.Sprintf("/studio/courses/%d%s", f.course(), suffix) }
	}
	curriculumExport := func() string { return fmt.Sprintf("/studio/curriculums/%d/export", f.curriculum()) }
	// The topic editor: the shared course's (only) topic, and a fresh
	// course's for the cells that save.
	topicOf := func(id int64) string {
		var d struct {
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		f.as("tutor", "GET", fmt.Sprintf("/api/courses/%d/", id), nil).Status(200).JSON(&d)
		return fmt.Sprintf("/studio/courses/%d/topics/%d", id, d.Lectures[0].Topics[0].ID)
	}
	studioTopic := func() string { return topicOf(f.course()) }
	return []testkit.MatrixRow{
		// Catalog: anyone reads; tutors create; authors (and admins) change.
		{Method: "GET", Path: "/api/courses/", Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: courseURL, Want: testkit.All(200, everyone...)},
		{Method: "POST", Path: "/api/courses/", Body: map[string]any{}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(422, otherTutor)},
		{Method: "PATCH", Path: "/api/courses/{id}/", Fresh: fresh(course), Body: map[string]any{"title": ""},
			Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
		{Method: "PUT", Path: "/api/courses/{id}/", Fresh: fresh(course), Body: map[string]any{"slug": "matrix", "title": "", "category": "frontend", "skill_level": "beginner",
			"price": 0, "lectures": []any{}}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
		// The author deletes their course, and an admin anyone's.
		{Method: "DELETE", Path: "/api/courses/{id}/", Fresh: fresh(course), Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(204, editors...)},
		{Method: "GET", Path: "/api/curriculums/", Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: curriculumURL, Want: testkit.All(200, everyone...)},
		{Method: "POST", Path: "/api/curriculums/", Body: map[string]any{}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(422, otherTutor)},
		{Method: "PATCH", Path: "/api/curriculums/{id}/", Fresh: fresh(curriculum), Body: map[string]any{"title": ""},
			Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
		{Method: "PUT", Path: "/api/curriculums/{id}/", Fresh: fresh(curriculum), Body: map[string]any{"title": "", "category": "frontend", "skill_level": "beginner",
			"price": 0, "course_ids": []int64{}}, Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(422, editors...)},
		{Method: "DELETE", Path: "/api/curriculums/{id}/", Fresh: fresh(curriculum), Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(403, otherTutor).And(204, editors...)},
		{Method: "GET", Path: "/api/roadmap/", Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/api/catalog/course-bundle.schema.json", Want: testkit.All(200, everyone...)},
		// Pages: the list and published courses for everyone; the studio for authors.
		{Method: "GET", Path: "/courses", Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: fmt.Sprintf("/courses/%d", f.courseID), Page: true, Want: testkit.All(200, everyone...)},
		{Method: "GET", Path: "/studio/courses", Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "GET", Path: "/studio/courses/new", Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "POST", Path: "/studio/courses/new", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(422, otherTutor)},
		// The course editor: its old address leads to it.
		{Method: "GET", Path: fmt.Sprintf("/studio/courses/%d/edit", f.courseID), Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(301, editors...).And(301, otherTutor)},
		{Method: "GET", Path: fmt.Sprintf("/studio/courses/%d", f.courseID), Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(403, otherTutor)},
		{Method: "GET", Path: fmt.Sprintf("/studio/courses/%d/settings", f.courseID), Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(403, otherTutor)},
		{Method: "POST", Path: "/studio/courses/:id/outline", Fresh: fresh(studio("/outline")), Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(403, otherTutor)},
		{Method: "POST", Path: "/studio/courses/:id/settings", Fresh: fresh(studio("/settings")), Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(403, otherTutor)},
		{Method: "POST", Path: "/studio/courses/:id/status", Fresh: fresh(studio("/status")), Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(303, editors...).And(403, otherTutor)},
		{Method: "GET", Path: fmt.Sprintf("/api/courses/%d/checklist/", f.courseID), Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(403, otherTutor)},
		// Bundles: a course's (or curriculum's) archive for whoever may change
		// it; the import page for whoever may author. A form post that is not
		// a file upload is 415.
		{Method: "GET", Path: fmt.Sprintf("/studio/courses/%d/export", f.courseID), Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(403, otherTutor)},
		{Method: "GET", Path: "/studio/curriculums/:id/export", Fresh: fresh(curriculumExport), Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(403, otherTutor)},
		{Method: "GET", Path: "/studio/import", Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
		{Method: "POST", Path: "/studio/import", Page: true, Body: "", Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(415, editors...).And(415, otherTutor)},
		// The topic editor: a published course of the tutor's is another
		// tutor's to read, not to change. An empty title is refused (422).
		{Method: "GET", Path: topicOf(f.courseID), Page: true, Want: testkit.All(303, "anonymous").And(403, notAuthor...).And(200, editors...).And(403, otherTutor)},
		{Method: "POST", Path: "/studio/courses/:id/topics/:tid", Fresh: fresh(studioTopic), Page: true, Body: "title=&version=1",
			Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(422, editors...).And(403, otherTutor)},
		// The Markdown preview of studio forms: whoever may author.
		{Method: "POST", Path: "/studio/preview", Page: true, Body: "text=%2A%2Abold%2A%2A",
			Want: testkit.All(401, "anonymous").And(403, notAuthor...).And(200, editors...).And(200, otherTutor)},
	}
}

// sitePageRows are the site module's pages.
func sitePageRows(f *matrixFixture) []testkit.MatrixRow {
	return []testkit.MatrixRow{
		{Method: "GET", Path: "/", Page: true, Want: testkit.All(200, everyone...)},
	}
}
