package commerce_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/commerce"
	"github.com/weaverse/weaverse/platform/rollup"
	"github.com/weaverse/weaverse/platform/testkit"
)

// pointMap keys points by metric, day, course and item, refusing a key
// seen twice.
func pointMap(t *testing.T, points []rollup.Point) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, p := range points {
		k := fmt.Sprintf("%s|%s|%d|%d", p.Metric, p.Day, p.Course, p.Item)
		if _, dup := out[k]; dup {
			t.Fatalf("point %s twice in %v", k, points)
		}
		out[k] = p.Value
	}
	return out
}

func samePoints(t *testing.T, what string, got []rollup.Point, want map[string]int64) {
	t.Helper()
	if g, w := sortedPoints(pointMap(t, got)), sortedPoints(want); fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("%s:\n got  %v\n want %v", what, g, w)
	}
}

func sortedPoints(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}

// Orders, revenue, per-course sales and shares are counted by the day
// (at the window's offset) orders were paid, refunds by the day they were
// refunded; pending orders and those outside the window count nowhere; a
// curriculum's price is split over its courses with the remainder to the
// first of its list. RecentPayments lists paid and refunded orders newest
// first, with buyer, items and provider, and filters by course.
func TestAnalytics(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		an := module(t, ta).Analytics()
		at := func(s string) time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			testkit.Must(t, err)
			return tm
		}

		tutor := newUser(t, ta, "atutor", "tutor")
		admin := newUser(t, ta, "aadmin", "admin")
		course := func(title string, price int) int64 {
			var c struct{ ID int64 }
			ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": title, "category": "frontend",
				"skill_level": "beginner", "price": price, "status": "published",
				"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
					{"title": "본편", "kind": "article", "body": "유료 본문", "is_premium": true}}}}}, as(tutor)...).
				Status(201).JSON(&c)
			return c.ID
		}
		a, b, d := course("강좌 A", 20000), course("강좌 B", 20000), course("강좌 D", 20000)
		c, e := course("강좌 C", 7000), course("강좌 E", 1000)
		other := course("다른 강좌", 5000) // never sold
		// The curriculum lists D first: the remainder of 10,000 / 3 is D's.
		var cu struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"title": "분석 과정", "category": "frontend",
			"skill_level": "beginner", "price": 10000, "access_days": 365, "status": "published",
			"course_ids": []int64{d, a, b}}, as(tutor)...).Status(201).JSON(&cu)

		buyers := map[string]*user{}
		for _, name := range []string{"u1", "u2", "u3", "u4", "u5", "u6"} {
			u := newUser(t, ta, name, "student")
			buyers[name] = &u
		}
		order := func(name, when string, items ...map[string]any) (orderID, paymentID int64) {
			t.Helper()
			ta.Clock.Set(at(when))
			u := buyers[name]
			relogin(t, ta, u, name)
			var o struct{ ID int64 }
			ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": items}, as(*u)...).Status(201).JSON(&o)
			return o.ID, 0
		}
		buy := func(name, when string, items ...map[string]any) (orderID, paymentID int64) {
			t.Helper()
			orderID, _ = order(name, when, items...)
			u := buyers[name]
			var st started
			ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": orderID, "provider": "demo"}, as(*u)...).
				Status(201).JSON(&st)
			if p := approve(t, ta, *u, st.PaymentID, 200); p.Status != "paid" {
				t.Fatalf("payment %+v", p)
			}
			return orderID, st.PaymentID
		}
		refund := func(paymentID int64, when string) {
			t.Helper()
			ta.Clock.Set(at(when))
			relogin(t, ta, &admin, "aadmin")
			var p payment
			ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", paymentID), nil, as(admin)...).Status(200).JSON(&p)
			if p.Status != "refunded" {
				t.Fatalf("refund %+v", p)
			}
		}
		cur := map[string]any{"curriculum_id": cu.ID}
		courseItem := func(id int64) map[string]any { return map[string]any{"course_id": id} }

		o4, p4 := buy("u4", "2026-03-03T14:00:00Z", cur)                         // 03-03 23:00 KST: before the window
		o1, _ := buy("u1", "2026-03-03T15:30:00Z", cur)                          // 03-04 00:30 KST (03-03 in UTC)
		o2, _ := buy("u2", "2026-03-04T14:00:00Z", courseItem(c), courseItem(e)) // 03-04 23:00 KST
		order("u6", "2026-03-04T16:00:00Z", courseItem(c))                       // never paid
		refund(p4, "2026-03-04T16:00:00Z")                                       // 03-05 01:00 KST
		o3, p3 := buy("u3", "2026-03-05T01:00:00Z", courseItem(a))               // 03-05 10:00 KST
		refund(p3, "2026-03-05T03:00:00Z")                                       // 03-05 12:00 KST
		o5, _ := buy("u5", "2026-03-05T15:10:00Z", courseItem(c))                // 03-06 00:10 KST: after the window
		ta.Clock.Set(at("2026-03-06T10:00:00Z"))

		k := func(metric, day string, course int64) string {
			return fmt.Sprintf("commerce.%s|%s|%d|0", metric, day, course)
		}
		w := rollup.Window{From: at("2026-03-03T15:00:00Z"), To: at("2026-03-05T15:00:00Z"), Offset: 9 * 3600}
		daily, err := an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily at +09:00", daily, map[string]int64{
			k("orders", "2026-03-04", 0): 2, k("revenue", "2026-03-04", 0): 18000,
			k("course_sales", "2026-03-04", d): 1, k("course_revenue", "2026-03-04", d): 3334,
			k("course_sales", "2026-03-04", a): 1, k("course_revenue", "2026-03-04", a): 3333,
			k("course_sales", "2026-03-04", b): 1, k("course_revenue", "2026-03-04", b): 3333,
			k("course_sales", "2026-03-04", c): 1, k("course_revenue", "2026-03-04", c): 7000,
			k("course_sales", "2026-03-04", e): 1, k("course_revenue", "2026-03-04", e): 1000,
			k("orders", "2026-03-05", 0): 1, k("revenue", "2026-03-05", 0): 20000,
			k("course_sales", "2026-03-05", a): 1, k("course_revenue", "2026-03-05", a): 20000,
			k("refunds", "2026-03-05", 0): 2, k("refunded", "2026-03-05", 0): 30000,
			k("course_refunded", "2026-03-05", a): 20000 + 3333,
			k("course_refunded", "2026-03-05", b): 3333,
			k("course_refunded", "2026-03-05", d): 3334,
		})

		// In UTC days over 03-03: u4's and u1's curricula, no refund.
		w = rollup.Window{From: at("2026-03-03T00:00:00Z"), To: at("2026-03-04T00:00:00Z"), Offset: 0}
		daily, err = an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily in UTC", daily, map[string]int64{
			k("orders", "2026-03-03", 0): 2, k("revenue", "2026-03-03", 0): 20000,
			k("course_sales", "2026-03-03", d): 2, k("course_revenue", "2026-03-03", d): 6668,
			k("course_sales", "2026-03-03", a): 2, k("course_revenue", "2026-03-03", a): 6666,
			k("course_sales", "2026-03-03", b): 2, k("course_revenue", "2026-03-03", b): 6666,
		})

		// Nothing in an empty, inverted or quiet window.
		for _, w := range []rollup.Window{{From: w.To, To: w.To}, {From: w.To, To: w.From},
			{From: at("2026-04-01T00:00:00Z"), To: at("2026-04-03T00:00:00Z"), Offset: 32400}} {
			daily, err = an.Daily(ctx, w)
			testkit.Must(t, err)
			samePoints(t, "daily of nothing", daily, map[string]int64{})
		}
		snap, err := an.Snapshot(ctx)
		testkit.Must(t, err)
		samePoints(t, "snapshot", snap, map[string]int64{})

		type brief struct {
			Order    int64
			Buyer    string
			Items    string
			Amount   int64
			Status   string
			Provider string
			Paid     string
			Refunded string
		}
		briefs := func(rows []commerce.PaymentRow) []brief {
			out := []brief{}
			for _, r := range rows {
				b := brief{r.OrderID, r.Buyer, r.Items, r.Amount, r.Status, r.Provider, r.PaidAt.Format(time.RFC3339), ""}
				if r.RefundedAt != nil {
					b.Refunded = r.RefundedAt.Format(time.RFC3339)
				}
				if r.UserID != buyers[r.Buyer].ID {
					t.Errorf("order %d: user %d, buyer %q", r.OrderID, r.UserID, r.Buyer)
				}
				out = append(out, b)
			}
			return out
		}
		all := []brief{
			{o5, "u5", "강좌 C", 7000, "paid", "demo", "2026-03-05T15:10:00Z", ""},
			{o3, "u3", "강좌 A", 20000, "refunded", "demo", "2026-03-05T01:00:00Z", "2026-03-05T03:00:00Z"},
			{o2, "u2", "강좌 C, 강좌 E", 8000, "paid", "demo", "2026-03-04T14:00:00Z", ""},
			{o1, "u1", "분석 과정", 10000, "paid", "demo", "2026-03-03T15:30:00Z", ""},
			{o4, "u4", "분석 과정", 10000, "refunded", "demo", "2026-03-03T14:00:00Z", "2026-03-04T16:00:00Z"},
		}
		with := func(b brief, items string, amount int64) brief {
			b.Items, b.Amount = items, amount
			return b
		}
		// Paid before a time: the older orders only.
		rows, err := an.RecentPayments(ctx, 10, nil, time.Date(2026, 3, 4, 14, 0, 0, 0, time.UTC))
		testkit.Must(t, err)
		if got := briefs(rows); fmt.Sprint(got) != fmt.Sprint(all[3:]) {
			t.Errorf("recent payments before 03-04 14:00:\n got  %v\n want %v", got, all[3:])
		}
		for _, tc := range []struct {
			limit   int
			courses []int64
			want    []brief
		}{
			{10, nil, all},
			{3, nil, all[:3]},
			{0, nil, []brief{}},
			// A course filter shows each order as far as it concerns the
			// courses: their items and their share (a curriculum's price
			// split as commerce.course_revenue splits it).
			{10, []int64{c}, []brief{all[0], with(all[2], "강좌 C", 7000)}},
			{10, []int64{b}, []brief{with(all[3], "분석 과정", 3333), with(all[4], "분석 과정", 3333)}},
			{10, []int64{a}, []brief{all[1], with(all[3], "분석 과정", 3333), with(all[4], "분석 과정", 3333)}},
			{1, []int64{e, d}, []brief{with(all[2], "강좌 E", 1000)}},
			{10, []int64{other}, []brief{}},
			{10, []int64{}, []brief{}}, // no courses: nothing, not everything
		} {
			rows, err := an.RecentPayments(ctx, tc.limit, tc.courses, time.Time{})
			testkit.Must(t, err)
			if got := briefs(rows); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("recent payments (limit %d, courses %v):\n got  %v\n want %v", tc.limit, tc.courses, got, tc.want)
			}
		}
	})
}
