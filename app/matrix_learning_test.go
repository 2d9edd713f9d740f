package app_test

import (
	"fmt"
	"net/http"

	"github.com/weaverse/weaverse/platform/testkit"
)

// learnCourse is a published course of the tutor's priced price, with a
// premium video topic playing a ready video of the tutor's and a premium
// article topic.
type learnCourse struct {
	id, video, videoTopic, article int64
}

func (f *matrixFixture) learnCourse(price int) learnCourse {
	f.t.Helper()
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	f.as("tutor", http.MethodPost, "/api/courses/", map[string]any{"slug": f.unique("learn"), "title": "학습 행렬",
		"category": "frontend", "skill_level": "beginner", "price": price, "status": "published",
		"lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": []map[string]any{
			{"slug": "v", "title": "영상", "kind": "video", "is_premium": true},
			{"slug": "a", "title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}}).Status(201).JSON(&c)
	lc := learnCourse{id: c.ID, videoTopic: c.Lectures[0].Topics[0].ID, article: c.Lectures[0].Topics[1].ID}
	lc.video = f.video(f.c["tutor"])
	f.as("tutor", http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", lc.video), map[string]any{"topic_id": lc.videoTopic}).Status(204)
	return lc
}

// grant gives the named caller access to a course (by its tutor) and
// returns the enrollment's id.
func (f *matrixFixture) grant(courseID int64, name string) int64 {
	f.t.Helper()
	var e struct{ ID int64 }
	f.as("tutor", http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", courseID),
		map[string]any{"email": name + "@example.com", "reason": "행렬"}).Status(201).JSON(&e)
	return e.ID
}

// learningRows are the learning module's API routes. The "student" is
// enrolled in the tutor's premium course; "other_student" is not. Watch
// routes are called on the caller's own path (the anonymous caller uses
// the student's) and on the student's path ("another user's path").
func learningRows(f *matrixFixture) []testkit.MatrixRow {
	lc := f.learnCourse(30000)
	f.grant(lc.id, "student")
	free := f.learnCourse(0)
	student := f.id("student")
	watch := func(uid int64, rest string) string {
		return fmt.Sprintf("/api/user/%d/video/%d/%s", uid, lc.video, rest)
	}
	// own is the caller's own path (the student's for the anonymous caller).
	own := func(rest string) func(string) (string, *testkit.Caller) {
		return func(name string) (string, *testkit.Caller) {
			uid := student
			if c := f.c[name]; c != nil {
				uid = c.UserID
			}
			return watch(uid, rest), nil
		}
	}
	// An event of the student's in the video, for the history item rows.
	var ev struct {
		Event struct{ ID int64 }
	}
	f.as("student", http.MethodPost, watch(student, "event-occur/"), map[string]any{"event_type": "play", "current_time": 0}).
		Status(201).JSON(&ev)
	freshEvent := func(string) (string, *testkit.Caller) {
		var e struct {
			Event struct{ ID int64 }
		}
		f.as("student", http.MethodPost, watch(student, "event-occur/"), map[string]any{"event_type": "pause", "current_time": 1}).
			Status(201).JSON(&e)
		return watch(student, fmt.Sprintf("history/%d/", e.Event.ID)), nil
	}
	item := watch(student, fmt.Sprintf("history/%d/", ev.Event.ID))
	event := map[string]any{"event_type": "timeupdate", "current_time": 5}
	batch := map[string]any{"events": []map[string]any{{"event_type": "play", "current_time": 0}, {"event_type": "pause", "current_time": 1}}}
	// Recording: only for oneself, and only a video one may play (the
	// enrolled student, the video's owner, admins).
	record := testkit.All(401, "anonymous").And(201, "student", "tutor", "admin").And(404, "other_student", otherTutor)
	// Another user's path: 403 for everyone but that user.
	othersRecord := testkit.All(401, "anonymous").And(201, "student").And(403, "other_student", "tutor", otherTutor, "admin")
	othersRead := testkit.All(401, "anonymous").And(200, "student", "admin").And(403, "other_student", "tutor", otherTutor)
	adminOnly := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(403, "student", "other_student", "tutor", otherTutor).And(status, "admin")
	}
	courseManaged := func(status int) testkit.Expect {
		return testkit.All(401, "anonymous").And(404, "student", "other_student", otherTutor).And(status, "tutor", "admin")
	}
	freshCourse := func(path string) func(string) (string, *testkit.Caller) {
		return fresh(func() string { return fmt.Sprintf(path, f.learnCourse(30000).id) })
	}
	freshEnrollment := func(string) (string, *testkit.Caller) {
		c := f.learnCourse(30000)
		return fmt.Sprintf("/api/courses/%d/enrollments/%d/revoke/", c.id, f.grant(c.id, "other_student")), nil
	}
	return []testkit.MatrixRow{
		// The watch log: recorded by its user only.
		{Method: "POST", Path: "/api/user/{user_id}/video/{video_id}/event-occur/", Fresh: own("event-occur/"), Body: event, Want: record},
		{Method: "POST", Path: watch(student, "event-occur/"), Body: event, Want: othersRecord},
		{Method: "POST", Path: "/api/user/{user_id}/video/{video_id}/events/", Fresh: own("events/"), Body: batch, Want: record},
		{Method: "POST", Path: watch(student, "events/"), Body: batch, Want: othersRecord},
		// Read by its user and admins.
		{Method: "GET", Path: "/api/user/{user_id}/video/{video_id}/history/", Fresh: own("history/"), Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: watch(student, "history/"), Want: othersRead},
		{Method: "GET", Path: "/api/user/{user_id}/video/{video_id}/progress/", Fresh: own("progress/"),
			Want: testkit.All(401, "anonymous").And(200, "student", "tutor", "admin").And(404, "other_student", otherTutor)},
		{Method: "GET", Path: watch(student, "progress/"), Want: othersRead},
		// Single events: admins only, the user too.
		{Method: "GET", Path: item, Want: adminOnly(200)},
		{Method: "GET", Path: watch(student, "history/999999/"), Want: adminOnly(404)},
		{Method: "PUT", Path: "/api/user/{user_id}/video/{video_id}/history/{event_id}/", Fresh: freshEvent,
			Body: map[string]any{"event_type": "pause", "current_time": 2, "playback_rate": 1}, Want: adminOnly(200)},
		{Method: "PATCH", Path: "/api/user/{user_id}/video/{video_id}/history/{event_id}/", Fresh: freshEvent,
			Body: map[string]any{"current_time": 3}, Want: adminOnly(200)},
		{Method: "DELETE", Path: "/api/user/{user_id}/video/{video_id}/history/{event_id}/", Fresh: freshEvent, Want: adminOnly(204)},
		// My courses and progress.
		{Method: "GET", Path: "/api/me/courses/", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: fmt.Sprintf("/api/me/courses/%d/progress/", lc.id), Want: testkit.All(401, "anonymous").And(200, signedIn...)},
		{Method: "GET", Path: "/api/me/courses/999999/progress/", Want: testkit.All(401, "anonymous").And(404, signedIn...)},
		{Method: "POST", Path: fmt.Sprintf("/api/me/courses/%d/enroll/", free.id), Want: testkit.All(401, "anonymous").And(204, signedIn...)},
		{Method: "POST", Path: fmt.Sprintf("/api/me/courses/%d/enroll/", lc.id), Want: testkit.All(401, "anonymous").And(409, signedIn...)},
		// Reading an article: whoever may view it (premium: the enrolled
		// student, the author, admins).
		{Method: "POST", Path: fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", lc.id, lc.article),
			Want: testkit.All(401, "anonymous").And(204, "student", "tutor", "admin").And(403, "other_student", otherTutor)},
		{Method: "POST", Path: fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", lc.id, lc.videoTopic),
			Want: testkit.All(401, "anonymous").And(409, "student", "tutor", "admin").And(403, "other_student", otherTutor)},
		// Enrollments: the course's tutor and admins; others may not know.
		{Method: "GET", Path: fmt.Sprintf("/api/courses/%d/enrollments/", lc.id), Want: courseManaged(200)},
		{Method: "POST", Path: "/api/courses/{id}/enrollments/", Fresh: freshCourse("/api/courses/%d/enrollments/"),
			Body: map[string]any{"email": "other_student@example.com", "reason": "행렬"}, Want: courseManaged(201)},
		{Method: "POST", Path: "/api/courses/{id}/enrollments/{enrollment_id}/revoke/", Fresh: freshEnrollment,
			Body: map[string]any{"reason": "행렬"}, Want: courseManaged(200)},
		// xAPI: one's own statements.
		{Method: "GET", Path: "/api/me/xapi/statements", Want: testkit.All(401, "anonymous").And(200, signedIn...)},
	}
}
