package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

type user = apptest.User

var as = apptest.As

// dash is what tests drive of the module beyond HTTP.
type dash interface {
	Rollup(ctx context.Context) error
	FlushPresence(ctx context.Context) error
}

func module(t testing.TB, ta *apptest.T) dash {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if m.Name() == "dashboard" {
			return m.(dash)
		}
	}
	t.Fatal("no dashboard module")
	return nil
}

// course is a tutor's published course: an article, a midterm and a final
// quiz of one question each.
type course struct {
	ID                      int64
	Title                   string
	article, midterm, final int64
	question                map[int64]int64
	right, wrong            map[int64][]int64
}

func newCourse(t testing.TB, ta *apptest.T, tutor user, title string) course {
	t.Helper()
	quiz := func(title, mission string) map[string]any {
		return map[string]any{"title": title, "kind": "quiz", "is_premium": true, "mission": mission, "pass_score": 100,
			"questions": []map[string]any{{"prompt": title + " 문제", "choices": []map[string]any{
				{"text": "정답", "correct": true}, {"text": "오답 1"}, {"text": "오답 2"}, {"text": "오답 3"}, {"text": "오답 4"}}}}}
	}
	body := map[string]any{"title": title, "category": "frontend", "skill_level": "beginner", "price": 20000,
		"credits": 3, "status": "published", "lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": title + " 읽기", "kind": "article", "body": "본문", "is_premium": true},
			quiz(title+" 중간", "midterm"), quiz(title+" 기말", "final")}}}}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct {
				ID      int64
				Content struct {
					Questions []struct {
						ID      int64
						Choices []struct {
							ID        int64
							IsCorrect *bool `json:"is_correct"`
						}
					}
				}
			}
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", body, as(tutor)...).Status(201).JSON(&c)
	ts := c.Lectures[0].Topics
	out := course{ID: c.ID, Title: title, article: ts[0].ID, midterm: ts[1].ID, final: ts[2].ID,
		question: map[int64]int64{}, right: map[int64][]int64{}, wrong: map[int64][]int64{}}
	for _, tp := range ts[1:] {
		q := tp.Content.Questions[0]
		out.question[tp.ID] = q.ID
		for _, ch := range q.Choices {
			if *ch.IsCorrect {
				out.right[tp.ID] = []int64{ch.ID}
			} else if out.wrong[tp.ID] == nil {
				out.wrong[tp.ID] = []int64{ch.ID}
			}
		}
	}
	return out
}

// buy pays for a course with the demo provider and waits for access.
func buy(t testing.TB, ta *apptest.T, u user, c course) (payment int64) {
	t.Helper()
	var order struct{ ID int64 }
	ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": c.ID}}},
		as(u)...).Status(201).JSON(&order)
	var started struct {
		PaymentID int64 `json:"payment_id"`
	}
	ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": order.ID, "provider": "demo"},
		as(u)...).Status(201).JSON(&started)
	ta.Request(http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": started.PaymentID},
		as(u)...).Status(200)
	path := fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", c.ID, c.article)
	apptest.WaitFor(t, "access", func() bool {
		return ta.Request(http.MethodPost, path, nil, as(u)...).StatusCode == http.StatusNoContent
	})
	return started.PaymentID
}

func take(t testing.TB, ta *apptest.T, u user, c course, topic int64, pass bool) {
	t.Helper()
	path := fmt.Sprintf("/api/topics/%d/quiz/", topic)
	var q struct{ Attempt int }
	ta.Get(path, as(u)...).Status(200).JSON(&q)
	pick := c.wrong[topic]
	if pass {
		pick = c.right[topic]
	}
	ta.Request(http.MethodPost, path+"attempts/", map[string]any{"attempt": q.Attempt, "answers": []map[string]any{
		{"question_id": c.question[topic], "choice_ids": pick}}}, as(u)...).Status(201)
}

// report is the part of a dashboard the tests read.
type report struct {
	Range struct {
		From, To string
		Days     int
	}
	RolledUpAt *time.Time `json:"rolled_up_at"`
	Users      *struct {
		ActiveNow     int64 `json:"active_now"`
		ActiveToday   int64 `json:"active_today"`
		MonthlyActive int64 `json:"monthly_active"`
		Signups       int64
		Students      int64
		Tutors        int64
		Admins        int64
	}
	Totals struct {
		Revenue, Refunded, Orders, Refunds, Enrollments, Completions, Submissions, Passes, Certificates int64
		NetRevenue                                                                                      int64 `json:"net_revenue"`
	}
	Daily []struct {
		Day         string
		ActiveUsers int64 `json:"active_users"`
		Signups     int64
		Revenue     int64
	}
	Courses []struct {
		CourseID                              int64 `json:"course_id"`
		Title                                 string
		Enrolled, Started, Completed, Revenue int64
		WithAccess                            int64 `json:"with_access"`
		CompletionRate                        int   `json:"completion_rate"`
		Certified                             int64
		Funnel                                []struct {
			TopicID   int64 `json:"topic_id"`
			Completed int64
		}
	}
	Missions []struct {
		TopicID           int64 `json:"topic_id"`
		Mission           string
		Attempted, Passed int64
		PassRate          int     `json:"pass_rate"`
		AverageBest       float64 `json:"average_best"`
	}
	RecentPayments []struct {
		Amount int64
		Status string
		Buyer  string
	} `json:"recent_payments"`
	Learners []struct {
		Nickname string
		CourseID int64 `json:"course_id"`
		Percent  int
	}
}

// count is a direct count in the database, to check the dashboards by.
func count(t testing.TB, ta *apptest.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	testkit.Must(t, ta.App.DB.R.QueryRowContext(context.Background(), query, args...).Scan(&n))
	return n
}

// TestDashboards drives a small platform through the API — sign-ups, two
// tutors' courses, purchases, a completion with its certificate, a failed
// final, a refund — then checks every dashboard against direct counts and
// who may see what.
func TestDashboards(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		d := module(t, ta)
		admin := ta.NewUser(t, "admin@dash.test", "관리자", "admin")
		tutorA := ta.NewUser(t, "a@dash.test", "튜터에이", "tutor")
		tutorB := ta.NewUser(t, "b@dash.test", "튜터비", "tutor")
		l1 := ta.NewUser(t, "l1@dash.test", "학습자일", "student")
		l2 := ta.NewUser(t, "l2@dash.test", "학습자이", "student")
		l3 := ta.NewUser(t, "l3@dash.test", "학습자삼", "student")
		ca := newCourse(t, ta, tutorA, "에이 강좌")
		cb := newCourse(t, ta, tutorB, "비 강좌")

		buy(t, ta, l1, ca)
		ta.Clock.Advance(time.Minute) // payments in order
		take(t, ta, l1, ca, ca.midterm, true)
		take(t, ta, l1, ca, ca.final, true)
		buy(t, ta, l2, ca)
		ta.Clock.Advance(time.Minute)
		take(t, ta, l2, ca, ca.midterm, true)
		take(t, ta, l2, ca, ca.final, false)
		p3 := buy(t, ta, l3, cb)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p3), nil, as(l3)...).Status(200)
		apptest.WaitFor(t, "the certificate and the refund's revocation", func() bool {
			return count(t, ta, "SELECT COUNT(*) FROM certificates") == 1 &&
				count(t, ta, "SELECT COUNT(*) FROM learning_enrollments WHERE revoked_at IS NOT NULL") == 1
		})
		ta.Get("/api/me/dashboard/", as(admin)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		testkit.Must(t, d.Rollup(ctx))

		// Who may see what.
		ta.Get("/api/admin/dashboard/").Problem(401, "auth.required")
		ta.Get("/api/admin/dashboard/", as(l1)...).Status(403)
		ta.Get("/api/admin/dashboard/", as(tutorA)...).Status(403)
		ta.Get("/api/tutor/dashboard/", as(l1)...).Status(403)
		ta.Get("/api/me/dashboard/").Problem(401, "auth.required")

		var r report
		ta.Get("/api/admin/dashboard/", as(admin)...).Status(200).JSON(&r)
		if r.Range.Days != 30 || len(r.Daily) != 30 || r.RolledUpAt == nil {
			t.Fatalf("range %+v, %d days, rolled up %v", r.Range, len(r.Daily), r.RolledUpAt)
		}
		u := r.Users
		checks := []struct {
			name      string
			got, want int64
		}{
			{"signups", u.Signups, count(t, ta, "SELECT COUNT(*) FROM accounts_users")},
			{"students", u.Students, count(t, ta, "SELECT COUNT(*) FROM accounts_users WHERE role = 'student'")},
			{"tutors", u.Tutors, 2},
			{"active now", u.ActiveNow, count(t, ta, "SELECT COUNT(*) FROM dashboard_presence")},
			{"active today", u.ActiveToday, count(t, ta, "SELECT COUNT(*) FROM dashboard_active_days")},
			{"monthly", u.MonthlyActive, count(t, ta, "SELECT COUNT(DISTINCT user_id) FROM dashboard_active_days")},
			{"revenue", r.Totals.Revenue, count(t, ta, "SELECT SUM(amount) FROM commerce_orders WHERE paid_at IS NOT NULL")},
			{"refunded", r.Totals.Refunded, count(t, ta, "SELECT SUM(amount) FROM commerce_orders WHERE refunded_at IS NOT NULL")},
			{"net", r.Totals.NetRevenue, 40000},
			{"orders", r.Totals.Orders, 3},
			{"refunds", r.Totals.Refunds, 1},
			{"enrollments", r.Totals.Enrollments, count(t, ta, "SELECT COUNT(*) FROM learning_enrollments")},
			{"completions", r.Totals.Completions, count(t, ta, "SELECT COUNT(*) FROM learning_course_progress WHERE completed_at IS NOT NULL")},
			{"certificates", r.Totals.Certificates, 1},
			{"passes", r.Totals.Passes, 3},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("admin %s = %d, want %d", c.name, c.got, c.want)
			}
		}
		// Everyone signed in here made a request: they are online now.
		if u.ActiveNow != 6 {
			t.Errorf("active now %d, want 6", u.ActiveNow)
		}
		if today := r.Daily[len(r.Daily)-1]; today.Day != r.Range.To || today.Signups != 6 || today.Revenue != 60000 || today.ActiveUsers != 6 {
			t.Errorf("today's row %+v", today)
		}
		byCourse := map[int64]int{}
		for i, c := range r.Courses {
			byCourse[c.CourseID] = i
		}
		a, b := r.Courses[byCourse[ca.ID]], r.Courses[byCourse[cb.ID]]
		if a.Enrolled != 2 || a.Completed != 1 || a.CompletionRate != 50 || a.Certified != 1 || a.Revenue != 40000 || a.Title != ca.Title {
			t.Errorf("course A %+v", a)
		}
		if b.Enrolled != 1 || b.WithAccess != 0 || b.Revenue != 0 {
			t.Errorf("course B (refunded) %+v", b)
		}
		if len(a.Funnel) != 3 || a.Funnel[0].TopicID != ca.article || a.Funnel[0].Completed != 2 {
			t.Errorf("course A funnel %+v", a.Funnel)
		}
		missions := map[int64]int{}
		for i, m := range r.Missions {
			missions[m.TopicID] = i
		}
		mid, fin := r.Missions[missions[ca.midterm]], r.Missions[missions[ca.final]]
		if mid.Attempted != 2 || mid.Passed != 2 || mid.PassRate != 100 || mid.Mission != "midterm" {
			t.Errorf("midterm %+v", mid)
		}
		if fin.Attempted != 2 || fin.Passed != 1 || fin.PassRate != 50 || fin.AverageBest != 50 {
			t.Errorf("final %+v", fin)
		}
		if len(r.RecentPayments) != 3 || r.RecentPayments[0].Status != "refunded" {
			t.Errorf("recent payments %+v", r.RecentPayments)
		}

		// A tutor sees their own course alone.
		var ra report
		ta.Get("/api/tutor/dashboard/", as(tutorA)...).Status(200).JSON(&ra)
		if ra.Users != nil || len(ra.Courses) != 1 || ra.Courses[0].CourseID != ca.ID || ra.Totals.Revenue != 40000 ||
			ra.Totals.Refunded != 0 || len(ra.RecentPayments) != 2 || len(ra.Learners) != 2 {
			t.Errorf("tutor A's dashboard %+v", ra)
		}
		for _, l := range ra.Learners {
			if l.CourseID != ca.ID {
				t.Errorf("tutor A sees a learner of another course: %+v", l)
			}
		}
		var rb report
		ta.Get("/api/tutor/dashboard/", as(tutorB)...).Status(200).JSON(&rb)
		if len(rb.Courses) != 1 || rb.Courses[0].CourseID != cb.ID || rb.Totals.Revenue != 20000 || rb.Totals.Refunded != 20000 ||
			len(rb.Missions) != 2 || rb.Missions[0].Attempted != 0 {
			t.Errorf("tutor B's dashboard %+v", rb)
		}

		// The learner's own.
		var me struct {
			Courses []struct {
				CourseID int64 `json:"course_id"`
				Percent  int
				Missions []struct {
					Mission, State string
					BestScore      int `json:"best_score"`
					Title, URL     string
				}
			}
			ResumeCourseID *int64 `json:"resume_course_id"`
			Weeks          []struct{ Week string }
			Certificates   []struct{ Status, Title string }
		}
		ta.Get("/api/me/dashboard/", as(l2)...).Status(200).JSON(&me)
		if len(me.Courses) != 1 || len(me.Courses[0].Missions) != 2 || me.Courses[0].Missions[1].State != "failed" ||
			me.Courses[0].Missions[0].BestScore != 100 || me.Courses[0].Missions[0].Title != ca.Title+" 중간" ||
			me.ResumeCourseID == nil || *me.ResumeCourseID != ca.ID || len(me.Weeks) != 12 || len(me.Certificates) != 0 {
			t.Errorf("l2's dashboard %+v", me)
		}
		ta.Get("/api/me/dashboard/", as(l1)...).Status(200).JSON(&me)
		if len(me.Certificates) != 1 || me.Certificates[0].Status != "valid" || me.Courses[0].Percent != 100 {
			t.Errorf("l1's dashboard %+v", me)
		}

		// Pages.
		ta.Get("/admin", as(admin)...).Status(200).Contains(`id="chart-revenue"`, `id="chart-users"`,
			`id="courses-table"`, ca.Title, `href="/admin/certificates"`, "/admin/dashboard/daily.csv?from=")
		ta.Get("/admin", as(tutorA)...).Status(403)
		ta.Get("/studio", as(tutorA)...).Status(200).Contains(ca.Title, `id="learners-table"`, "학습자일").
			NotContains(cb.Title, `id="chart-users"`)
		ta.Get("/studio", as(l1)...).Status(403)
		ta.Get("/me/learning", as(l1)...).Status(200).Contains(`id="my-course-`+itoa(ca.ID), `id="chart-weeks"`,
			`<progress class="wv-progress my-progress" max="100" value="100"`, ca.Title+" 기말")

		// CSV.
		csv := ta.Get("/admin/dashboard/daily.csv?days=7", as(admin)...).Status(200)
		body := string(csv.Body)
		if !strings.HasPrefix(body, "\ufeff날짜,활성 사용자,가입,매출(원)") || strings.Count(body, "\n") != 8 ||
			!strings.Contains(csv.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("daily CSV:\n%s", body)
		}
		ta.Get("/studio/dashboard/learners.csv", as(tutorA)...).Status(200).Contains("학습자일", "학습자이").NotContains("학습자삼")
		ta.Get("/studio/dashboard/daily.csv", as(l1)...).Status(403)
		ta.Get("/admin/dashboard/learners.csv", as(admin)...).Status(404)
		ta.Get("/admin/dashboard/nope.csv", as(admin)...).Status(404)
	})
}

// TestRanges: a range is from–to or the last days; what is not one is a
// 422 that names the field, and the page says so over the default range.
func TestRanges(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		admin := ta.NewUser(t, "admin@dash.test", "관리자", "admin")
		var r report
		ta.Get("/api/admin/dashboard/?days=7", as(admin)...).Status(200).JSON(&r)
		if r.Range.Days != 7 || len(r.Daily) != 7 || r.Daily[0].Day != r.Range.From {
			t.Fatalf("7 days: %+v", r.Range)
		}
		ta.Get("/api/admin/dashboard/?from=2026-02-01&to=2026-02-28", as(admin)...).Status(200).JSON(&r)
		if r.Range.From != "2026-02-01" || r.Range.Days != 28 {
			t.Fatalf("February: %+v", r.Range)
		}
		// A last day in the future is today.
		ta.Get("/api/admin/dashboard/?from=2026-03-01&to=2027-01-01", as(admin)...).Status(200).JSON(&r)
		if r.Range.To != "2026-03-02" || r.Range.Days != 2 {
			t.Fatalf("future end: %+v", r.Range)
		}
		for _, q := range []string{"days=0", "days=367", "days=-3", "days=x"} {
			ta.Get("/api/admin/dashboard/?"+q, as(admin)...).Status(422)
		}
		for _, q := range []string{"from=2026-13-01", "from=20260101",
			"from=2026-03-02&to=2026-03-01", "from=2024-01-01&to=2026-03-01", "to=yesterday"} {
			ta.Get("/api/admin/dashboard/?"+q, as(admin)...).Problem(422, "dashboard.bad_range")
		}
		ta.Get("/admin?from=2026-13-01", as(admin)...).Status(422).Contains(`id="range-error"`, `id="chart-revenue"`)
	})
}

// TestPresence: a user is written at most once a minute however often
// they come; active now is the last five minutes.
func TestPresence(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		d := module(t, ta)
		admin := ta.NewUser(t, "admin@dash.test", "관리자", "admin")
		l := ta.NewUser(t, "l@dash.test", "학습자", "student")
		seen := func() time.Time {
			var at time.Time
			testkit.Must(t, ta.App.DB.R.NewSelect().Table("dashboard_presence").Column("seen_at").
				Where("user_id = ?", l.ID).Scan(ctx, &at))
			return at
		}
		active := func() int64 {
			var r report
			ta.Get("/api/admin/dashboard/", as(admin)...).Status(200).JSON(&r)
			return r.Users.ActiveNow
		}
		ta.Get("/api/me/dashboard/", as(l)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		first := seen()
		ta.Clock.Advance(30 * time.Second)
		ta.Get("/api/me/dashboard/", as(l)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		if !seen().Equal(first) {
			t.Fatalf("written again within a minute: %v then %v", first, seen())
		}
		ta.Clock.Advance(31 * time.Second)
		ta.Get("/api/me/dashboard/", as(l)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		if got := seen(); !got.After(first) {
			t.Fatalf("not written after a minute: %v then %v", first, got)
		}
		ta.Get("/api/me/dashboard/", as(admin)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		if n := active(); n != 2 {
			t.Fatalf("active now %d, want 2 (the learner and the admin)", n)
		}
		ta.Clock.Advance(6 * time.Minute) // the learner left; the admin is looking
		ta.Get("/api/me/dashboard/", as(admin)...).Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		if n := active(); n != 1 {
			t.Fatalf("active now after 6 minutes %d, want 1", n)
		}
		// Anonymous requests mark nobody.
		ta.Get("/courses").Status(200)
		testkit.Must(t, d.FlushPresence(ctx))
		if n := count(t, ta, "SELECT COUNT(*) FROM dashboard_presence"); n != 2 {
			t.Fatalf("%d users seen, want 2", n)
		}
	})
}

func itoa(n int64) string { return fmt.Sprint(n) }
