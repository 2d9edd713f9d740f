package certificates_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/certificates"
	"github.com/weaverse/weaverse/platform/rollup"
	"github.com/weaverse/weaverse/platform/testkit"
)

func certAnalytics(t *testing.T, ta *apptest.T) certificates.Analytics {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if cm, ok := m.(*certificates.Module); ok {
			return cm.Analytics()
		}
	}
	t.Fatal("no certificates module")
	return nil
}

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

// Certificates issued and revoked are counted per calendar day at the
// window's offset, per course (a nano-degree's as its curriculum item),
// only inside the window; the snapshot counts the valid ones; Held lists a
// learner's certificates, revoked included, newest first, with their links.
func TestAnalytics(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background())) // issuance runs on the job queue
		ctx := context.Background()
		an := certAnalytics(t, ta)
		at := func(s string) time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			testkit.Must(t, err)
			return tm
		}
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		admin := newUser(t, ta, "admin@example.com", "관리자", "admin")
		l1 := newUser(t, ta, "l1@example.com", "김하나", "student")
		l2 := newUser(t, ta, "l2@example.com", "이두리", "student")
		l3 := newUser(t, ta, "l3@example.com", "박세나", "student")
		a := newCourse(t, ta, tutor, "HTML 기초", 3, nil)
		b := newCourse(t, ta, tutor, "CSS 기초", 2, nil)
		c := newCourse(t, ta, tutor, "JS 기초", 2, nil)
		var cu struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"title": "웹 나노디그리", "category": "frontend",
			"skill_level": "beginner", "price": 30000, "access_days": 730, "status": "published",
			"course_ids": []int64{a.ID, b.ID}}, as(tutor)...).Status(201).JSON(&cu)

		// relogin signs users in again once the clock moved past their tokens.
		relogin := func(us ...*user) {
			for _, u := range us {
				var tok struct {
					AccessToken string `json:"access_token"`
				}
				ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": u.email, "password": pw}).
					Status(200).JSON(&tok)
				u.Token = tok.AccessToken
			}
		}
		// certify has the tutor give u the course and u complete it, at
		// when, and waits for u's certificates to number n (issuance is a
		// job, stamped with the clock that stays at when until then).
		certify := func(u *user, when string, n int, cs ...course) []cert {
			t.Helper()
			ta.Clock.Set(at(when))
			relogin(&tutor, u)
			for _, c := range cs {
				ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
					map[string]any{"email": u.email, "reason": "분석"}, as(tutor)...).Status(201)
				complete(t, ta, *u, c)
			}
			return waitCerts(t, ta, *u, n)
		}
		find := func(list []cert, kind string, id int64) cert {
			t.Helper()
			for _, c := range list {
				if c.Kind == kind && ((kind == "course" && *c.CourseID == id) || (kind == "curriculum" && *c.CurriculumID == id)) {
					return c
				}
			}
			t.Fatalf("no %s %d certificate in %+v", kind, id, list)
			return cert{}
		}
		revoke := func(id int64, when string) {
			t.Helper()
			ta.Clock.Set(at(when))
			relogin(&admin)
			ta.Request(http.MethodPost, fmt.Sprintf("/api/certificates/%d/revoke/", id),
				map[string]any{"reason": "분석 시험"}, as(admin)...).Status(200)
		}

		l3c := find(certify(&l3, "2026-03-03T14:30:00Z", 1, c), "course", c.ID) // 03-03 23:30 KST: before the window
		l1a := find(certify(&l1, "2026-03-03T15:30:00Z", 1, a), "course", a.ID) // 03-04 00:30 KST (03-03 in UTC)
		l1all := certify(&l1, "2026-03-04T14:00:00Z", 3, b)                     // 03-04 23:00 KST: b and the nano-degree
		l1b, l1n := find(l1all, "course", b.ID), find(l1all, "curriculum", cu.ID)
		l2all := certify(&l2, "2026-03-05T02:00:00Z", 2, a, c) // 03-05 11:00 KST
		l2c := find(l2all, "course", c.ID)
		revoke(l1a.ID, "2026-03-05T05:00:00Z")     // 03-05 14:00 KST: the nano-degree falls with it
		revoke(l3c.ID, "2026-03-05T05:00:00Z")     // issued before the window, revoked in it
		certify(&l3, "2026-03-05T15:30:00Z", 2, a) // 03-06 00:30 KST: after the window
		revoke(l2c.ID, "2026-03-05T16:00:00Z")     // after the window

		k := func(metric, day string, course, item int64) string {
			return fmt.Sprintf("certificates.%s|%s|%d|%d", metric, day, course, item)
		}
		w := rollup.Window{From: at("2026-03-03T15:00:00Z"), To: at("2026-03-05T15:00:00Z"), Offset: 9 * 3600}
		daily, err := an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily at +09:00", daily, map[string]int64{
			k("issued", "2026-03-04", a.ID, 0): 1, k("issued", "2026-03-04", b.ID, 0): 1, k("issued", "2026-03-04", 0, cu.ID): 1,
			k("issued", "2026-03-05", a.ID, 0): 1, k("issued", "2026-03-05", c.ID, 0): 1,
			k("revoked", "2026-03-05", a.ID, 0): 1, k("revoked", "2026-03-05", 0, cu.ID): 1, k("revoked", "2026-03-05", c.ID, 0): 1,
		})

		// UTC days over 03-03 and 03-04: l3's c and l1's a on 03-03, l1's b and nano-degree on 03-04.
		w = rollup.Window{From: at("2026-03-03T00:00:00Z"), To: at("2026-03-05T00:00:00Z"), Offset: 0}
		daily, err = an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily in UTC", daily, map[string]int64{
			k("issued", "2026-03-03", c.ID, 0): 1, k("issued", "2026-03-03", a.ID, 0): 1,
			k("issued", "2026-03-04", b.ID, 0): 1, k("issued", "2026-03-04", 0, cu.ID): 1,
		})
		for _, w := range []rollup.Window{{From: w.To, To: w.To}, {From: w.To, To: w.From},
			{From: at("2026-04-01T00:00:00Z"), To: at("2026-04-03T00:00:00Z"), Offset: 32400}} {
			daily, err = an.Daily(ctx, w)
			testkit.Must(t, err)
			samePoints(t, "daily of nothing", daily, map[string]int64{})
		}

		// Valid now: a (l2, l3), b (l1); c's and the nano-degree's are all revoked.
		snap, err := an.Snapshot(ctx)
		testkit.Must(t, err)
		samePoints(t, "snapshot", snap, map[string]int64{k("valid", "", a.ID, 0): 2, k("valid", "", b.ID, 0): 1})

		// l1 holds b and the nano-degree (issued together), then a.
		held, err := an.Held(ctx, l1.ID)
		testkit.Must(t, err)
		first, second := l1n, l1b
		if l1b.ID > l1n.ID {
			first, second = l1b, l1n
		}
		type brief struct {
			ID      int64
			Serial  string
			Kind    string
			Course  int64
			Title   string
			Status  string
			Issued  string
			Revoked string
			Verify  string
			PDF     string
		}
		want := []brief{
			{first.ID, first.Serial, first.Kind, 0, first.Title, first.Status, "2026-03-04T14:00:00Z", "", first.Verify, ""},
			{second.ID, second.Serial, second.Kind, 0, second.Title, second.Status, "2026-03-04T14:00:00Z", "", second.Verify, ""},
			{l1a.ID, l1a.Serial, "course", a.ID, "HTML 기초", "revoked", "2026-03-03T15:30:00Z", "2026-03-05T05:00:00Z", l1a.Verify, ""},
		}
		for i := range want[:2] {
			if want[i].Kind == "course" {
				want[i].Course = b.ID
				want[i].Status = "valid"
			} else {
				want[i].Status, want[i].Revoked = "revoked", "2026-03-05T05:00:00Z"
			}
		}
		for i := range want {
			want[i].PDF = fmt.Sprintf("/api/certificates/%d/pdf/", want[i].ID)
		}
		got := []brief{}
		for _, h := range held {
			b := brief{h.ID, h.Serial, h.Kind, h.CourseID, h.Title, h.Status, h.IssuedAt.Format(time.RFC3339), "", h.VerifyURL, h.PDFURL}
			if h.RevokedAt != nil {
				b.Revoked = h.RevokedAt.Format(time.RFC3339)
			}
			got = append(got, b)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("held:\n got  %+v\n want %+v", got, want)
		}
		relogin(&l1)
		ta.Get(held[0].PDFURL, as(l1)...).Status(200)
		if none, err := an.Held(ctx, tutor.ID); err != nil || len(none) != 0 {
			t.Fatalf("the tutor holds %v (%v)", none, err)
		}
	})
}
