package learning_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/rollup"
)

func analytics(t testing.TB, ta *apptest.T) learning.Analytics {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if l, ok := m.(*learning.Module); ok {
			return l.Analytics()
		}
	}
	t.Fatal("no learning module")
	return nil
}

// pointsOf keeps the points of a metric, as "day/course/item" → value.
func pointsOf(ps []rollup.Point, metric string) map[string]int64 {
	out := map[string]int64{}
	for _, p := range ps {
		if p.Metric == metric {
			out[fmt.Sprintf("%s/%d/%d", p.Day, p.Course, p.Item)] += p.Value
		}
	}
	return out
}

func wantPoints(t *testing.T, ps []rollup.Point, metric string, want map[string]int64) {
	t.Helper()
	if got := pointsOf(ps, metric); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", metric, got, want)
	}
}

// TestAnalytics counts a world's learning over two days of a window at
// UTC+9 (the second day starting at 15:00 UTC of the first), with events
// after the window, a revoked grant and a second course that must not leak
// into the first.
func TestAnalytics(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := t.Context()
		an := analytics(t, ta)
		w := newWorld(t, ta)
		// A second course of one article topic.
		var b struct {
			ID       int64
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "다른 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 10000, "status": "published", "access_days": 30,
			"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
				{"title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}}, as(w.tutor)...).Status(201).JSON(&b)
		bRead := b.Lectures[0].Topics[0].ID
		alice, bob, carol := newUser(t, ta, "alice", "student"), newUser(t, ta, "bob", "student"), newUser(t, ta, "carol", "student")
		const kst = 9 * 3600
		// 2026-03-02 18:00 KST: alice is granted the course and watches 60 s;
		// carol is granted it and revoked.
		enroll(t, ta, w, alice)
		var ce learning.Enrollment
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
			map[string]any{"email": "carol@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201).JSON(&ce)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/%d/revoke/", w.course, ce.ID),
			map[string]any{"reason": "환불"}, as(w.tutor)...).Status(200)
		p := player{t, ta, alice, w.video}
		p.watch(0, 60)
		// 16:00 UTC is 01:00 KST the next day (the same UTC day): 30 s more,
		// the article read; bob takes the other course and completes it.
		ta.Clock.Set(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
		alice, bob, w.tutor = relogin(t, ta, alice, "alice"), relogin(t, ta, bob, "bob"), relogin(t, ta, w.tutor, "tutor")
		p.u = alice
		p.watch(60, 90)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", w.course, w.read), nil, as(alice)...).Status(204)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", b.ID),
			map[string]any{"email": "bob@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", b.ID, bRead), nil, as(bob)...).Status(204)
		// After the window (2026-03-04 KST): 10 s more, not counted daily.
		ta.Clock.Set(time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC))
		p.u = relogin(t, ta, alice, "alice")
		p.watch(90, 100)

		win := rollup.Window{From: time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC), Offset: kst}
		d1, d2 := "2026-03-02", "2026-03-03"
		a, bc := w.course, b.ID
		key := func(day string, course, item int64) string { return fmt.Sprintf("%s/%d/%d", day, course, item) }
		daily, err := an.Daily(ctx, win)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, daily, "learning.enrollments", map[string]int64{key(d1, a, 0): 2, key(d2, bc, 0): 1})
		wantPoints(t, daily, "learning.completions", map[string]int64{key(d2, bc, 0): 1})
		wantPoints(t, daily, "learning.topics_done", map[string]int64{key(d2, a, 0): 1, key(d2, bc, 0): 1})
		wantPoints(t, daily, "learning.watch_seconds", map[string]int64{key(d1, a, 0): 60, key(d2, a, 0): 30, key(d1, 0, 0): 60, key(d2, 0, 0): 30})
		wantPoints(t, daily, "learning.watchers", map[string]int64{key(d1, 0, 0): 1, key(d2, 0, 0): 1})
		for _, pt := range daily {
			if pt.Day != d1 && pt.Day != d2 {
				t.Errorf("a point outside the window: %+v", pt)
			}
		}
		// The window's first day only.
		first, err := an.Daily(ctx, rollup.Window{From: win.From, To: win.From.Add(24 * time.Hour), Offset: kst})
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, first, "learning.watch_seconds", map[string]int64{key(d1, a, 0): 60, key(d1, 0, 0): 60})
		wantPoints(t, first, "learning.topics_done", map[string]int64{})

		mine, err := an.LearningDays(ctx, alice.ID, win)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, mine, "learning.my_seconds", map[string]int64{key(d1, 0, 0): 60, key(d2, 0, 0): 30})
		if len(mine) != 2 {
			t.Errorf("my days: %+v", mine)
		}
		if theirs, err := an.LearningDays(ctx, bob.ID, win); err != nil || len(theirs) != 0 {
			t.Errorf("bob's days: %+v, %v", theirs, err)
		}

		// Now: alice stopped nowhere yet (active a moment ago).
		snap, err := an.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, snap, "learning.enrolled", map[string]int64{key("", a, 0): 2, key("", bc, 0): 1})
		wantPoints(t, snap, "learning.with_access", map[string]int64{key("", a, 0): 1, key("", bc, 0): 1})
		wantPoints(t, snap, "learning.started", map[string]int64{key("", a, 0): 1, key("", bc, 0): 1})
		wantPoints(t, snap, "learning.completed", map[string]int64{key("", bc, 0): 1})
		wantPoints(t, snap, "learning.topic_done", map[string]int64{key("", a, w.read): 1, key("", bc, bRead): 1})
		wantPoints(t, snap, "learning.topic_stopped", map[string]int64{})
		wantPoints(t, snap, "learning.video_viewers", map[string]int64{key("", a, w.videoTopic): 1})
		wantPoints(t, snap, "learning.video_seconds", map[string]int64{key("", a, w.videoTopic): 100})
		wantPoints(t, snap, "learning.video_completed", map[string]int64{})
		for _, pt := range snap {
			if pt.Day != "" {
				t.Errorf("a snapshot point with a day: %+v", pt)
			}
		}
		// Two weeks and a day later alice stopped at the video (her last
		// topic); bob completed his course and stopped nowhere.
		ta.Clock.Advance(learning.StoppedAfter + 24*time.Hour)
		snap, err = an.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, snap, "learning.topic_stopped", map[string]int64{key("", a, w.videoTopic): 1})

		// The tutor's table: alice (latest activity), bob, then carol who
		// never started (access revoked).
		rows, err := an.Learners(ctx, []int64{a, bc}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("learners: %+v", rows)
		}
		r := rows[0]
		if r.UserID != alice.ID || r.Nickname != "alice" || r.CourseID != a || r.CompletedTopics != 1 || r.TotalTopics != 2 ||
			r.Percent != 50 || r.LearningSeconds != 100 || !r.Access || r.LastActivityAt == nil ||
			!r.LastActivityAt.Equal(time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC)) || r.CompletedAt != nil {
			t.Errorf("alice: %+v", r)
		}
		r = rows[1]
		if r.UserID != bob.ID || r.Nickname != "bob" || r.CourseID != bc || r.CompletedTopics != 1 || r.TotalTopics != 1 ||
			r.Percent != 100 || r.LearningSeconds != 0 || !r.Access || r.CompletedAt == nil {
			t.Errorf("bob: %+v", r)
		}
		r = rows[2]
		if r.UserID != carol.ID || r.CourseID != a || r.CompletedTopics != 0 || r.TotalTopics != 2 || r.Access ||
			r.LastActivityAt != nil {
			t.Errorf("carol: %+v", r)
		}
		rows, err = an.Learners(ctx, []int64{a}, 10)
		if err != nil || len(rows) != 2 || rows[0].UserID != alice.ID || rows[1].UserID != carol.ID {
			t.Errorf("the first course's learners: %+v, %v", rows, err)
		}
		rows, err = an.Learners(ctx, []int64{a, bc}, 1)
		if err != nil || len(rows) != 1 || rows[0].UserID != alice.ID {
			t.Errorf("one learner: %+v, %v", rows, err)
		}
		if rows, err = an.Learners(ctx, nil, 10); err != nil || len(rows) != 0 {
			t.Errorf("no courses: %+v, %v", rows, err)
		}

		// The service is the interface MyCourses answers for.
		var _ learning.Analytics = an
	})
}
