package dashboard_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// TestReviewTutorSeesOtherTutorsOrder: one order buying tutor A's and tutor
// B's courses together. Tutor A's recent payments (API and CSV) show the
// whole order: its full amount and tutor B's course title.
func TestReviewTutorSeesOtherTutorsOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		d := module(t, ta)
		tutorA := ta.NewUser(t, "a@rev.test", "튜터에이", "tutor")
		tutorB := ta.NewUser(t, "b@rev.test", "튜터비", "tutor")
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		ca := newCourse(t, ta, tutorA, "에이 강좌")
		cb := newCourse(t, ta, tutorB, "비밀 강좌")
		var order struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{
			{"course_id": ca.ID}, {"course_id": cb.ID}}}, as(l)...).Status(201).JSON(&order)
		var started struct {
			PaymentID int64 `json:"payment_id"`
		}
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": order.ID, "provider": "demo"},
			as(l)...).Status(201).JSON(&started)
		ta.Request(http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": started.PaymentID},
			as(l)...).Status(200)
		apptest.WaitFor(t, "paid", func() bool {
			return count(t, ta, "SELECT COUNT(*) FROM commerce_orders WHERE status = 'paid'") == 1
		})
		testkit.Must(t, d.Rollup(ctx))
		var ra struct {
			Totals         struct{ Revenue int64 }
			RecentPayments []struct {
				Amount int64
				Items  string
			} `json:"recent_payments"`
		}
		ta.Get("/api/tutor/dashboard/", as(tutorA)...).Status(200).JSON(&ra)
		if ra.Totals.Revenue != 20000 {
			t.Errorf("tutor A's revenue %d, want their share 20000", ra.Totals.Revenue)
		}
		for _, p := range ra.RecentPayments {
			if strings.Contains(p.Items, cb.Title) || p.Amount > 20000 {
				t.Errorf("tutor A sees tutor B's sale in a shared order: %+v", p)
			}
		}
		ta.Get("/studio/dashboard/payments.csv", as(tutorA)...).Status(200).NotContains(cb.Title)
	})
}

// TestReviewConcurrentRollupsDoubleCount: two rollups overlapping (a slow
// run while the next minute's job starts, the CLI while the job runs, two
// instances) each delete then insert ... ON CONFLICT DO UPDATE SET value =
// value + excluded.value: on PostgreSQL the second adds its numbers to the
// first's instead of replacing them.
func TestReviewConcurrentRollupsDoubleCount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		d := module(t, ta)
		admin := ta.NewUser(t, "admin@rev.test", "관리자", "admin")
		tutor := ta.NewUser(t, "t@rev.test", "튜터", "tutor")
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		c := newCourse(t, ta, tutor, "강좌")
		buy(t, ta, l, c)
		want := count(t, ta, "SELECT SUM(amount) FROM commerce_orders WHERE paid_at IS NOT NULL")
		for round := 0; round < 5; round++ {
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = d.Rollup(ctx) }()
			}
			wg.Wait()
			var r struct {
				Totals struct{ Revenue, Enrollments int64 }
			}
			ta.Get("/api/admin/dashboard/", as(admin)...).Status(200).JSON(&r)
			if r.Totals.Revenue != want || r.Totals.Enrollments != 1 {
				t.Fatalf("round %d: revenue %d (want %d), enrollments %d (want 1); rollup errors %v",
					round, r.Totals.Revenue, want, r.Totals.Enrollments, errs)
			}
		}
	})
}

// TestReviewPaymentsCSVCappedAt100: the payments CSV asks commerce for
// 5,000 orders but RecentPayments caps at 100, then the CSV keeps those of
// the range: a range with more than 100 payments loses the older ones, and
// a past range behind 100 newer payments is empty.
func TestReviewPaymentsCSVCappedAt100(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		admin := ta.NewUser(t, "admin@rev.test", "관리자", "admin")
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		now := ta.Clock.Now().UTC()
		for i := 0; i < 120; i++ {
			at := now.Add(-time.Duration(120-i) * time.Minute)
			_, err := ta.App.DB.W.ExecContext(ctx, "INSERT INTO commerce_orders "+
				"(user_id, status, amount, created_at, updated_at, paid_at) VALUES (?, 'paid', 1000, ?, ?, ?)",
				l.ID, at, at, at)
			testkit.Must(t, err)
		}
		body := string(ta.Get("/admin/dashboard/payments.csv?days=1", as(admin)...).Status(200).Body)
		if rows := strings.Count(body, "\n") - 1; rows != 120 {
			t.Errorf("payments CSV has %d orders, want 120 (all paid today)", rows)
		}
	})
}

// TestReviewPresenceMidnightActiveDayLost: a user written at 23:59:40 (the
// dashboards' time zone) and back at 00:00:10 is throttled (written less
// than a minute ago), so the new day never records them: DAU and MAU miss
// users who are active only right after midnight.
func TestReviewPresenceMidnightActiveDayLost(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		d := module(t, ta)
		loc := ta.App.Config.DashboardLocation()
		local := ta.Clock.Now().In(loc)
		midnight := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
		ta.Clock.Set(midnight.Add(-20 * time.Second))
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		ta.Get("/api/me/dashboard/", as(l)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		ta.Clock.Set(midnight.Add(10 * time.Second))
		ta.Get("/api/me/dashboard/", as(l)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		day := midnight.Format("2006-01-02")
		if n := count(t, ta, "SELECT COUNT(*) FROM dashboard_active_days WHERE user_id = ? AND day = ?", l.ID, day); n != 1 {
			t.Errorf("the learner made a request on %s but is not active that day", day)
		}
	})
}

// TestReviewRollupGapNeverFilled: each run after the first counts only
// yesterday and today. When no run succeeds for more than a day (the job
// down over a weekend, a source failing: MaxAttempts 1), the days missed
// are never counted, even once runs succeed again.
func TestReviewRollupGapNeverFilled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		d := module(t, ta)
		// The job's first run (on start) is over before anything happens.
		apptest.WaitFor(t, "the first rollup", func() bool {
			return count(t, ta, "SELECT COUNT(*) FROM river_job WHERE kind = 'dashboard.rollup' AND state = 'completed'") > 0
		})
		tutor := ta.NewUser(t, "t@rev.test", "튜터", "tutor")
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		c := newCourse(t, ta, tutor, "강좌")
		buy(t, ta, l, c)
		ta.Clock.Advance(3 * 24 * time.Hour) // no successful run meanwhile
		testkit.Must(t, d.Rollup(ctx))
		admin := ta.NewUser(t, "admin@rev.test", "관리자", "admin")
		var r struct {
			Totals struct{ Revenue, Enrollments int64 }
		}
		ta.Get("/api/admin/dashboard/?days=30", as(admin)...).Status(200).JSON(&r)
		if r.Totals.Revenue != 20000 || r.Totals.Enrollments != 1 {
			t.Errorf("revenue %d (want 20000), enrollments %d (want 1): the days without a run are lost",
				r.Totals.Revenue, r.Totals.Enrollments)
		}
	})
}

// TestReviewProbePages (a probe, passing): the pages in English carry no
// message key, and an anonymous visitor of my learning is sent to sign in.
func TestReviewProbePages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		admin := ta.NewUser(t, "admin@rev.test", "관리자", "admin")
		tutor := ta.NewUser(t, "t@rev.test", "튜터", "tutor")
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		c := newCourse(t, ta, tutor, "강좌")
		buy(t, ta, l, c)
		testkit.Must(t, module(t, ta).Rollup(ctx))
		for _, pg := range []struct {
			path string
			u    user
		}{{"/admin?lang=en", admin}, {"/studio?lang=en", tutor}, {"/me/learning?lang=en", l}} {
			body := string(ta.Get(pg.path, as(pg.u)...).Status(200).Body)
			for _, k := range []string{"dashboard.", "web.", "catalog."} {
				if i := strings.Index(body, ">"+k); i >= 0 {
					t.Errorf("%s shows a message key: %q", pg.path, body[i:min(len(body), i+60)])
				}
			}
		}
		resp := ta.Get("/me/learning")
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous /me/learning: %d", resp.StatusCode)
		}
	})
}

// TestReviewTutorWatchTimeSharedVideoCountedTwice: a tutor's two courses
// play the same video; a learner watches it for a minute. The platform
// counts the minute once, the tutor's daily watching time twice (one per
// course point, summed in fold.add).
func TestReviewTutorWatchTimeSharedVideoCountedTwice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		admin := ta.NewUser(t, "admin@rev.test", "관리자", "admin")
		tutor := ta.NewUser(t, "t@rev.test", "튜터", "tutor")
		l := ta.NewUser(t, "l@rev.test", "학습자", "student")
		c1 := newCourse(t, ta, tutor, "강좌 일")
		c2 := newCourse(t, ta, tutor, "강좌 이")
		buy(t, ta, l, c1)
		buy(t, ta, l, c2)
		// Both courses' first topic plays video 999 (set in the database:
		// uploading a real video needs ffmpeg).
		for _, id := range []int64{c1.article, c2.article} {
			_, err := ta.App.DB.W.ExecContext(ctx, `UPDATE catalog_topics SET kind = 'video', duration = 600, content = ? WHERE id = ?`,
				`{"video":"media:video:999"}`, id)
			testkit.Must(t, err)
		}
		now := ta.Clock.Now().UTC()
		_, err := ta.App.DB.W.ExecContext(ctx, "INSERT INTO learning_watch_events "+
			"(user_id, video_id, event_type, position_ms, occurred_at, counted_ms) VALUES (?, 999, 'heartbeat', 60000, ?, 60000)",
			l.ID, now)
		testkit.Must(t, err)
		testkit.Must(t, module(t, ta).Rollup(ctx))
		var ra, rt struct {
			Totals struct {
				WatchSeconds int64 `json:"watch_seconds"`
			}
		}
		ta.Get("/api/admin/dashboard/", as(admin)...).Status(200).JSON(&ra)
		ta.Get("/api/tutor/dashboard/", as(tutor)...).Status(200).JSON(&rt)
		if ra.Totals.WatchSeconds != 60 {
			t.Fatalf("setup: the platform's watching time %d s, want 60", ra.Totals.WatchSeconds)
		}
		if rt.Totals.WatchSeconds != 60 {
			t.Errorf("the tutor's watching time %d s for one minute watched, want 60", rt.Totals.WatchSeconds)
		}
	})
}
