package learning_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/testkit"
)

func grants(t testing.TB, ta *apptest.T) learning.Grants {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if l, ok := m.(*learning.Module); ok {
			return l.Grants()
		}
	}
	t.Fatal("no learning module")
	return nil
}

// access checks what u may take of the world's course: the premium
// topics' content, the video's playback and recording events.
func access(t *testing.T, ta *apptest.T, w world, u user, want bool) {
	t.Helper()
	var c struct {
		Lectures []struct {
			Topics []struct {
				ID     int64
				Locked bool
			}
		}
	}
	ta.Request(http.MethodGet, fmt.Sprintf("/api/courses/%d/", w.course), nil, as(u)...).Status(200).JSON(&c)
	for _, tp := range c.Lectures[0].Topics {
		if tp.Locked == want {
			t.Errorf("topic %d locked %v, want %v", tp.ID, tp.Locked, !want)
		}
	}
	status, created := 404, 404
	if want {
		status, created = 200, 201
	}
	ta.Request(http.MethodGet, fmt.Sprintf("/api/videos/%d/playback/", w.video), nil, as(u)...).Status(status)
	ta.Request(http.MethodPost, eventPath(u.ID, w.video), map[string]any{"event_type": "pause", "current_time": 1}, as(u)...).
		Status(created)
}

func myCourse(t *testing.T, ta *apptest.T, u user, courseID int64) *learning.CourseProgress {
	t.Helper()
	var mine struct{ Results []learning.CourseProgress }
	ta.Request(http.MethodGet, "/api/me/courses/", nil, as(u)...).Status(200).JSON(&mine)
	for i := range mine.Results {
		if mine.Results[i].CourseID == courseID {
			return &mine.Results[i]
		}
	}
	return nil
}

func TestManualEnrollments(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		other := newUser(t, ta, "other", "tutor")
		admin := newUser(t, ta, "root", "admin")
		list := fmt.Sprintf("/api/courses/%d/enrollments/", w.course)
		grant := map[string]any{"email": "alice@example.com", "reason": "장학생"}
		access(t, ta, w, a, false)
		// Only the course's tutor and admins; the others may not know.
		for _, u := range []user{a, other} {
			ta.Request(http.MethodPost, list, grant, as(u)...).Problem(404, "learning.course_not_found")
			ta.Request(http.MethodGet, list, nil, as(u)...).Status(404)
		}
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", 999999), grant, as(admin)...).Status(404)
		// Invalid grants name their field.
		for body, field := range map[*map[string]any]string{
			{"email": "nobody@example.com", "reason": "x"}: "body.email",
			{"reason": "x"}: "body.email",
			{"email": "alice@example.com", "reason": "  "}: "body.reason",
		} {
			prob := ta.Request(http.MethodPost, list, *body, as(w.tutor)...).Problem(422, "")
			if !containsField(prob, field) {
				t.Errorf("%v: 422 without %s: %v", *body, field, prob)
			}
		}
		var e learning.Enrollment
		ta.Request(http.MethodPost, list, grant, as(w.tutor)...).Status(201).JSON(&e)
		if e.UserID != a.ID || e.Source != "grant" || e.Reason != "장학생" || !e.Active || e.ExpiresAt == nil ||
			!e.ExpiresAt.Equal(ta.Clock.Now().AddDate(0, 0, 730)) || e.Email != "alice@example.com" {
			t.Fatalf("granted: %+v", e)
		}
		access(t, ta, w, a, true)
		if s := roadmapStatus(t, ta, w, a); s != "owned" && s != "in_progress" {
			t.Errorf("roadmap status %q after a grant", s)
		}
		player{t, ta, a, w.video}.watch(0, 20)
		if s := roadmapStatus(t, ta, w, a); s != "in_progress" {
			t.Errorf("roadmap status %q after watching, want in_progress", s)
		}
		var page struct {
			Count   int
			Results []learning.Enrollment
		}
		ta.Request(http.MethodGet, list, nil, as(w.tutor)...).Status(200).JSON(&page)
		if page.Count != 1 || page.Results[0].ID != e.ID {
			t.Fatalf("the tutor's list: %+v", page)
		}
		ta.Request(http.MethodGet, list, nil, as(admin)...).Status(200)

		// Revoked with a reason: by the tutor; others 404.
		revoke := fmt.Sprintf("/api/courses/%d/enrollments/%d/revoke/", w.course, e.ID)
		ta.Request(http.MethodPost, revoke, map[string]any{"reason": "환불"}, as(other)...).Status(404)
		ta.Request(http.MethodPost, revoke, map[string]any{"reason": "환불"}, as(a)...).Status(404)
		ta.Request(http.MethodPost, revoke, map[string]any{"reason": " "}, as(w.tutor)...).Status(422)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/999999/revoke/", w.course),
			map[string]any{"reason": "x"}, as(w.tutor)...).Status(404)
		ta.Request(http.MethodPost, revoke, map[string]any{"reason": "환불"}, as(w.tutor)...).Status(200).JSON(&e)
		if e.Active || e.RevokedAt == nil || e.RevokeReason != "환불" {
			t.Fatalf("revoked: %+v", e)
		}
		// Again: no change.
		ta.Request(http.MethodPost, revoke, map[string]any{"reason": "또"}, as(admin)...).Status(200).JSON(&e)
		if e.RevokeReason != "환불" {
			t.Fatalf("revoked twice: %+v", e)
		}
		// No access (at once: the instance forgets what it cached), but
		// the course and its history stay.
		access(t, ta, w, a, false)
		c := myCourse(t, ta, a, w.course)
		if c == nil || c.Status != "expired" || c.Access || c.ExpiredAt == nil {
			t.Fatalf("my revoked course: %+v", c)
		}
		if s := roadmapStatus(t, ta, w, a); s != "expired" {
			t.Errorf("roadmap status %q after a revocation, want expired", s)
		}
		var hist struct{ Count int }
		ta.Request(http.MethodGet, watchPath(a.ID, w.video, "history/"), nil, as(a)...).Status(200).JSON(&hist)
		if hist.Count != 4 {
			t.Errorf("history after the revocation: %+v", hist)
		}
		if pr := progressOf(t, ta, a, a.ID, w.video); pr.WatchedSeconds != 20 {
			t.Errorf("progress after the revocation: %+v", pr)
		}
		// A tutor names learners by e-mail, never by id: an id would tell
		// them anyone's address (review finding).
		if prob := ta.Request(http.MethodPost, list, map[string]any{"user_id": a.ID, "reason": "x"}, as(w.tutor)...).
			Problem(422, "learning.grant_invalid"); !strings.Contains(fmt.Sprint(prob["errors"]), "body.user_id") ||
			strings.Contains(fmt.Sprint(prob), "@example.com") {
			t.Errorf("a tutor's grant by id: %v", prob)
		}
		// An admin grants again (renewing the hand-made grant), for any course.
		ta.Request(http.MethodPost, list, map[string]any{"user_id": a.ID, "reason": "복구", "days": 10}, as(admin)...).Status(201).JSON(&e)
		if !e.Active || e.RevokedAt != nil || !e.ExpiresAt.Equal(ta.Clock.Now().AddDate(0, 0, 10)) {
			t.Fatalf("granted again: %+v", e)
		}
		ta.Request(http.MethodGet, list, nil, as(admin)...).Status(200).JSON(&page)
		if page.Count != 1 {
			t.Fatalf("a renewal added a grant: %+v", page)
		}
		access(t, ta, w, a, true)
	})
}

func TestEnrollmentExpires(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		// Days 0: the course's access period (730 days).
		_, err := grants(t, ta).Grant(context.Background(), learning.GrantInput{UserID: a.ID, CourseID: w.course,
			Source: learning.SourceGrant, Reason: "test"})
		testkit.Must(t, err)
		access(t, ta, w, a, true)
		ta.Clock.Advance(729 * 24 * time.Hour)
		a.Token, w.tutor.Token = login(t, ta, "alice"), login(t, ta, "tutor") // the sessions ended long ago
		access(t, ta, w, a, true)
		if c := myCourse(t, ta, a, w.course); c == nil || !c.Access || c.ExpiresAt == nil {
			t.Fatalf("before the end: %+v", c)
		}
		ta.Clock.Advance(2 * 24 * time.Hour)
		a.Token, w.tutor.Token = login(t, ta, "alice"), login(t, ta, "tutor")
		access(t, ta, w, a, false)
		c := myCourse(t, ta, a, w.course)
		if c == nil || c.Status != "expired" || c.Access || c.ExpiredAt == nil ||
			!c.ExpiredAt.Equal(apptest.Epoch.AddDate(0, 0, 730)) {
			t.Fatalf("expired: %+v", c)
		}
		if s := roadmapStatus(t, ta, w, a); s != "expired" {
			t.Errorf("roadmap status %q, want expired", s)
		}
		var hist struct{ Count int }
		ta.Request(http.MethodGet, watchPath(a.ID, w.video, "history/"), nil, as(a)...).Status(200).JSON(&hist)
		if hist.Count != 2 {
			t.Errorf("history after expiry: %+v", hist)
		}
		var me struct {
			Stats struct {
				EnrolledCourses int `json:"enrolled_courses"`
			}
		}
		ta.Request(http.MethodGet, "/api/me/", nil, as(a)...).Status(200).JSON(&me)
		if me.Stats.EnrolledCourses != 0 {
			t.Errorf("an expired course counted as enrolled: %+v", me.Stats)
		}
	})
}

func TestGrantsAndRefunds(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a, b := newUser(t, ta, "alice", "student"), newUser(t, ta, "bob", "student")
		g := grants(t, ta)
		ctx := context.Background()
		// Alice bought it and was also granted it by hand; Bob only bought it.
		id1, err := g.Grant(ctx, learning.GrantInput{UserID: a.ID, CourseID: w.course, Source: learning.SourcePurchase, Ref: "order:1"})
		testkit.Must(t, err)
		id1again, err := g.Grant(ctx, learning.GrantInput{UserID: a.ID, CourseID: w.course, Source: learning.SourcePurchase, Ref: "order:1"})
		testkit.Must(t, err)
		if id1again != id1 {
			t.Errorf("granting the same ref again made a new grant: %d, %d", id1, id1again)
		}
		_, err = g.Grant(ctx, learning.GrantInput{UserID: a.ID, CourseID: w.course, Source: learning.SourceGrant, Reason: "장학생", Days: -1})
		testkit.Must(t, err)
		_, err = g.Grant(ctx, learning.GrantInput{UserID: b.ID, CourseID: w.course, Source: learning.SourcePurchase, Ref: "order:2"})
		testkit.Must(t, err)
		if _, err := g.Grant(ctx, learning.GrantInput{UserID: b.ID, CourseID: w.course, Source: "gift"}); err == nil {
			t.Error("an unknown source was granted")
		}
		if _, err := g.RevokeRef(ctx, learning.SourcePurchase, "", "x", 0); err == nil {
			t.Error("revoking an empty ref")
		}
		access(t, ta, w, a, true)
		access(t, ta, w, b, true)
		n, err := g.RevokeRef(ctx, learning.SourcePurchase, "order:1", "환불", 0)
		testkit.Must(t, err)
		if n != 1 {
			t.Errorf("revoked %d grants of order:1", n)
		}
		// Alice keeps the hand-made grant; Bob's order is untouched.
		access(t, ta, w, a, true)
		access(t, ta, w, b, true)
		if n, _ = g.RevokeRef(ctx, learning.SourcePurchase, "order:1", "again", 0); n != 0 {
			t.Errorf("revoked again: %d", n)
		}
		if n, _ = g.RevokeRef(ctx, learning.SourcePurchase, "order:2", "환불", 0); n != 1 {
			t.Errorf("revoked %d grants of order:2", n)
		}
		access(t, ta, w, b, false)
		if c := myCourse(t, ta, b, w.course); c == nil || c.Status != "expired" {
			t.Errorf("bob's refunded course: %+v", c)
		}
	})
}

func TestEnrollFree(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		course := func(price int, status string) int64 {
			var c struct{ ID int64 }
			ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "무료 " + status, "category": "frontend",
				"skill_level": "beginner", "price": price, "status": status, "lectures": []map[string]any{{"title": "1강",
					"topics": []map[string]any{{"title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}},
				as(w.tutor)...).Status(201).JSON(&c)
			return c.ID
		}
		free, draft := course(0, "published"), course(0, "draft")
		enroll := func(id int64) *testkit.Response {
			return ta.Request(http.MethodPost, fmt.Sprintf("/api/me/courses/%d/enroll/", id), nil, as(a)...)
		}
		enroll(w.course).Problem(409, "learning.not_free")
		enroll(draft).Status(409)
		enroll(999999).Status(404)
		if n := count(t, ta, "learning_enrollments", "user_id = ?", a.ID); n != 0 {
			t.Fatalf("%d enrollments after refusals", n)
		}
		enroll(free).Status(204)
		enroll(free).Status(204) // again: no change
		if n := count(t, ta, "learning_enrollments", "user_id = ?", a.ID); n != 1 {
			t.Fatalf("%d enrollments", n)
		}
		c := myCourse(t, ta, a, free)
		if c == nil || !c.Access || c.ExpiresAt != nil || c.Status != "owned" {
			t.Fatalf("the free course: %+v", c)
		}
		var cp learning.CourseProgress
		ta.Request(http.MethodGet, fmt.Sprintf("/api/me/courses/%d/progress/", free), nil, as(a)...).Status(200).JSON(&cp)
		if len(cp.Topics) != 1 || cp.Topics[0].Status != "not_started" {
			t.Fatalf("progress: %+v", cp)
		}
		ta.Request(http.MethodPost, fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", free, cp.Topics[0].ID), nil, as(a)...).Status(204)
		if c = myCourse(t, ta, a, free); c.Status != "completed" || c.Percent != 100 {
			t.Fatalf("read: %+v", c)
		}
	})
}

func containsField(prob map[string]any, field string) bool {
	errs, _ := prob["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["location"] == field {
			return true
		}
	}
	return false
}

// login signs a user in again and returns the access token.
func login(t *testing.T, ta *apptest.T, name string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	return tok.AccessToken
}
