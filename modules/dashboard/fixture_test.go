package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/app/apptest/fixture"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// withContent builds the app with the default nano-degree (7 courses).
func withContent(cfg *config.Config, _ *app.Options) { cfg.Content.ImportDefault = true }

var seoul = func() *time.Location { l, _ := time.LoadLocation("Asia/Seoul"); return l }()

// generated fills the app with the fixture generator's history and rolls
// it up; it returns an admin.
func generated(t testing.TB, ta *apptest.T, spec fixture.Spec) user {
	t.Helper()
	ctx := context.Background()
	admin := ta.NewUser(t, "admin@dash.test", "관리자", "admin")
	spec.Now, spec.Location = ta.Clock.Now(), seoul
	start := time.Now()
	res, err := fixture.Generate(ctx, ta.App.DB, spec)
	testkit.Must(t, err)
	t.Logf("fixture: %d learners, %d watch events in %v (%v)", len(res.UserIDs), res.Rows["learning_watch_events"],
		time.Since(start).Round(time.Millisecond), res.Rows)
	d := module(t, ta)
	start = time.Now()
	testkit.Must(t, d.Rollup(ctx))
	t.Logf("rollup, first run (backfill): %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	testkit.Must(t, d.Rollup(ctx))
	t.Logf("rollup, a later run: %v", time.Since(start).Round(time.Millisecond))
	return admin
}

// TestDashboardMatchesCounts: over a generated history (learners,
// purchases, refunds, grants, watching, completions, quizzes, active days)
// the admin dashboard's numbers are the ones a direct count of the modules'
// tables gives.
func TestDashboardMatchesCounts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		admin := generated(t, ta, fixture.Spec{Learners: 300, WatchEvents: 30_000, Days: 60, Seed: 7})
		var r struct {
			report
			Totals struct {
				Revenue, Refunded, Orders, Refunds, Enrollments, Completions, Submissions, Passes int64
				WatchSeconds                                                                      int64 `json:"watch_seconds"`
			}
			Courses []struct {
				CourseID   int64 `json:"course_id"`
				Enrolled   int64
				WithAccess int64 `json:"with_access"`
				Started    int64
				Completed  int64
				Funnel     []struct {
					TopicID   int64 `json:"topic_id"`
					Completed int64
				}
			}
			Missions []struct {
				TopicID           int64 `json:"topic_id"`
				Attempted, Passed int64
			}
		}
		ta.Get("/api/admin/dashboard/?days=90", as(admin)...).Status(200).JSON(&r)
		from, err := time.ParseInLocation("2006-01-02", r.Range.From, seoul)
		testkit.Must(t, err)
		now := ta.Clock.Now()
		// in is "col within the range" (its two arguments: from, now).
		in := func(col string) string { return col + " >= ? AND " + col + " <= ?" }
		eq := func(name string, got, want int64) {
			t.Helper()
			if got != want {
				t.Errorf("%s = %d, want %d (direct count)", name, got, want)
			}
		}
		eq("signups", r.Users.Signups, count(t, ta, "SELECT COUNT(*) FROM accounts_users WHERE "+in("created_at"), from, now))
		eq("students", r.Users.Students, count(t, ta, "SELECT COUNT(*) FROM accounts_users WHERE role = 'student' AND deleted_at IS NULL"))
		eq("revenue", r.Totals.Revenue, count(t, ta, "SELECT COALESCE(SUM(amount), 0) FROM commerce_orders WHERE "+in("paid_at"), from, now))
		eq("orders", r.Totals.Orders, count(t, ta, "SELECT COUNT(*) FROM commerce_orders WHERE "+in("paid_at"), from, now))
		eq("refunded", r.Totals.Refunded, count(t, ta, "SELECT COALESCE(SUM(amount), 0) FROM commerce_orders WHERE "+in("refunded_at"), from, now))
		eq("refunds", r.Totals.Refunds, count(t, ta, "SELECT COUNT(*) FROM commerce_orders WHERE "+in("refunded_at"), from, now))
		eq("completions", r.Totals.Completions, count(t, ta, "SELECT COUNT(*) FROM learning_course_progress WHERE "+in("completed_at"), from, now))
		eq("passes", r.Totals.Passes, count(t, ta, "SELECT COUNT(*) FROM assessment_quiz_attempts WHERE passed AND "+in("created_at"), from, now)+
			count(t, ta, "SELECT COUNT(*) FROM assessment_submissions WHERE status = 'graded' AND passed AND "+in("graded_at"), from, now))
		eq("active today", r.Users.ActiveToday, count(t, ta, "SELECT COUNT(*) FROM dashboard_active_days WHERE day = ?", r.Range.To))
		eq("monthly active", r.Users.MonthlyActive, count(t, ta, "SELECT COUNT(DISTINCT user_id) FROM dashboard_active_days WHERE day >= ?",
			from.AddDate(0, 0, 90-30).Format("2006-01-02")))
		// Enrollments are learners newly granted a course, per day: count
		// the distinct (learner, course, day) in Go.
		type key struct {
			user, course int64
			day          string
		}
		rows, err := ta.App.DB.R.QueryContext(context.Background(),
			"SELECT user_id, course_id, created_at FROM learning_enrollments WHERE "+in("created_at"), from, now)
		testkit.Must(t, err)
		seen := map[key]bool{}
		for rows.Next() {
			var k key
			var at time.Time
			testkit.Must(t, rows.Scan(&k.user, &k.course, &at))
			k.day = at.In(seoul).Format("2006-01-02")
			seen[k] = true
		}
		testkit.Must(t, rows.Close())
		eq("enrollments", r.Totals.Enrollments, int64(len(seen)))
		// Watching: the platform's seconds per day (each day floored).
		rows, err = ta.App.DB.R.QueryContext(context.Background(),
			"SELECT occurred_at, counted_ms FROM learning_watch_events WHERE "+in("occurred_at"), from, now)
		testkit.Must(t, err)
		perDay := map[string]int64{}
		for rows.Next() {
			var at time.Time
			var ms int64
			testkit.Must(t, rows.Scan(&at, &ms))
			perDay[at.In(seoul).Format("2006-01-02")] += ms
		}
		testkit.Must(t, rows.Close())
		var watched int64
		for _, ms := range perDay {
			watched += ms / 1000
		}
		if watched == 0 {
			t.Fatal("nothing watched")
		}
		eq("watch seconds", r.Totals.WatchSeconds, watched)
		if len(r.Courses) != 7 {
			t.Fatalf("%d courses", len(r.Courses))
		}
		for _, c := range r.Courses {
			id := strconv.FormatInt(c.CourseID, 10)
			eq("enrolled "+id, c.Enrolled, count(t, ta, "SELECT COUNT(DISTINCT user_id) FROM learning_enrollments WHERE course_id = ?", c.CourseID))
			eq("with access "+id, c.WithAccess, count(t, ta, "SELECT COUNT(DISTINCT user_id) FROM learning_enrollments WHERE course_id = ? "+
				"AND revoked_at IS NULL AND starts_at <= ? AND (expires_at IS NULL OR expires_at > ?)", c.CourseID, now, now))
			eq("started "+id, c.Started, count(t, ta, "SELECT COUNT(*) FROM learning_course_progress WHERE course_id = ?", c.CourseID))
			eq("completed "+id, c.Completed, count(t, ta, "SELECT COUNT(*) FROM learning_course_progress WHERE course_id = ? AND completed_at IS NOT NULL", c.CourseID))
			for _, f := range c.Funnel {
				eq(fmt.Sprintf("topic %d done", f.TopicID), f.Completed, count(t, ta,
					"SELECT COUNT(*) FROM learning_topic_completions WHERE course_id = ? AND topic_id = ?", c.CourseID, f.TopicID))
			}
		}
		if !slices.ContainsFunc(r.Missions, func(m struct {
			TopicID           int64 `json:"topic_id"`
			Attempted, Passed int64
		}) bool {
			return m.Attempted > 0
		}) {
			t.Fatal("no mission was attempted")
		}
		for _, m := range r.Missions {
			eq(fmt.Sprintf("mission %d attempted", m.TopicID), m.Attempted, count(t, ta,
				"SELECT COUNT(*) FROM assessment_standings WHERE topic_id = ? AND attempts > 0", m.TopicID))
			eq(fmt.Sprintf("mission %d passed", m.TopicID), m.Passed, count(t, ta,
				"SELECT COUNT(*) FROM assessment_standings WHERE topic_id = ? AND attempts > 0 AND passed_at IS NOT NULL", m.TopicID))
		}
	}, withContent)
}

// BenchmarkAdminDashboard measures GET /api/admin/dashboard/ over the
// issue's history: 10,000 learners and 1,000,000 watch events, on each
// dialect, through a real loopback connection; it reports p50, p95 and p99
// besides the mean, and logs the fixture's and the rollup's times.
//
//	go test ./modules/dashboard -run '^$' -bench AdminDashboard -benchtime 200x
func BenchmarkAdminDashboard(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ta := apptest.New(b, dialect, withContent)
			admin := generated(b, ta, fixture.Spec{Learners: 10_000, WatchEvents: 1_000_000, Days: 90, Seed: 1})
			// A tutor who wrote every course: their dashboard reads the
			// learners' table live.
			tutor := ta.NewUser(b, "tutor@dash.test", "튜터", "tutor")
			_, err := ta.App.DB.W.NewUpdate().Table("catalog_courses").Set("author_id = ?", tutor.ID).Where("1 = 1").
				Exec(context.Background())
			testkit.Must(b, err)
			url := testkit.Listen(b, ta.App.Fiber)
			client := &http.Client{}
			for _, c := range []struct{ name, path, token string }{
				{"admin-30d", "/api/admin/dashboard/", admin.Token},
				{"admin-90d", "/api/admin/dashboard/?days=90", admin.Token},
				{"tutor-30d", "/api/tutor/dashboard/", tutor.Token},
			} {
				b.Run(c.name, func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						req, _ := http.NewRequest(http.MethodGet, url+c.path, nil)
						req.Header.Set("Authorization", "Bearer "+c.token)
						resp, err := client.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Fatalf("status %d", resp.StatusCode)
						}
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					at := func(p float64) float64 {
						return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000
					}
					b.ReportMetric(at(0.50), "p50-ms")
					b.ReportMetric(at(0.95), "p95-ms")
					b.ReportMetric(at(0.99), "p99-ms")
				})
			}
		})
	}
}
