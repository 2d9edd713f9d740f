package certificates_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// TestReviewAdminRevokeCascadesToNanoDegree: an administrator revokes a
// course certificate (cheating). The nano-degree certificate that counts
// that course must not stay valid (a refund already cascades; an admin's
// revocation does not).
func TestReviewAdminRevokeCascadesToNanoDegree(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		admin := newUser(t, ta, "admin@example.com", "관리자", "admin")
		learner := newUser(t, ta, "learner@example.com", "최민수", "student")
		a := newCourse(t, ta, tutor, "HTML 기초", 3, nil)
		b := newCourse(t, ta, tutor, "CSS 기초", 2, nil)
		var cu struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"title": "웹 나노디그리", "category": "frontend",
			"skill_level": "beginner", "price": 30000, "access_days": 730, "status": "published",
			"course_ids": []int64{a.ID, b.ID}}, as(tutor)...).Status(201).JSON(&cu)
		for _, c := range []course{a, b} {
			ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
				map[string]any{"email": learner.email, "reason": "리뷰"}, as(tutor)...).Status(201)
			complete(t, ta, learner, c)
		}
		all := waitCerts(t, ta, learner, 3)
		var courseA, nano cert
		for _, c := range all {
			switch {
			case c.Kind == "curriculum":
				nano = c
			case *c.CourseID == a.ID:
				courseA = c
			}
		}
		if nano.ID == 0 || courseA.ID == 0 {
			t.Fatalf("certificates %+v", all)
		}
		ta.Request(http.MethodPost, fmt.Sprintf("/api/certificates/%d/revoke/", courseA.ID),
			map[string]any{"reason": "부정행위"}, as(admin)...).Status(200)
		var v struct{ Valid bool }
		ta.Get("/api/certificates/verify/" + nano.Serial + "/").Status(200).JSON(&v)
		if v.Valid {
			t.Errorf("the nano-degree %s still verifies as valid after its course %s was revoked by the issuer",
				nano.Serial, courseA.Serial)
		}
		var me struct {
			Stats struct{ Credits, Certificates int }
		}
		ta.Get("/api/me/", as(learner)...).Status(200).JSON(&me)
		if me.Stats.Certificates != 1 {
			t.Errorf("profile counts %d certificates, want 1 (course b only)", me.Stats.Certificates)
		}
	})
}

// TestReviewAdminPageHugePage: a page number that overflows the offset
// must not be a 500.
func TestReviewAdminPageHugePage(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		admin := newUser(t, ta, "admin@example.com", "관리자", "admin")
		for _, pg := range []string{"9223372036854775807", "184467440737095517", "-5"} {
			r := ta.Get("/admin/certificates?page="+pg, pages(admin)...)
			if r.StatusCode >= 500 {
				t.Errorf("page=%s: %d", pg, r.StatusCode)
			}
		}
		for _, q := range []string{"offset=-1", "limit=100000", "offset=9223372036854775807"} {
			r := ta.Get("/api/admin/certificates/?"+q, as(admin)...)
			if r.StatusCode >= 500 {
				t.Errorf("%s: %d %s", q, r.StatusCode, r.Body)
			}
		}
	})
}

// TestReviewRefundThenClaim: a refund publishes OrderRefunded to two
// independent subscribers, certificates.revoke_on_refund and
// commerce.revoke_access, delivered in any order. When the certificate is
// revoked first, access is still live for a moment and a claim (or any
// completion/pass event) issues a fresh valid certificate that no later
// refund delivery revokes. The commerce subscriber is held back here with
// its own order lock (Postgres only: LockKey is a no-op on SQLite, where
// the same interleaving happens with the job queue's ordering).
func TestReviewRefundThenClaim(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		if !ta.App.DB.IsPostgres() {
			t.Skip("holds the commerce order's advisory lock")
		}
		ctx := context.Background()
		testkit.Must(t, ta.App.Start(ctx))
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		learner := newUser(t, ta, "learner@example.com", "정하은", "student")
		c := newCourse(t, ta, tutor, "환불 경합", 2, nil)
		var o, p struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{"course_id": c.ID}}},
			as(learner)...).Status(201).JSON(&o)
		var started struct {
			PaymentID int64 `json:"payment_id"`
		}
		ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": o.ID, "provider": "demo"},
			as(learner)...).Status(201).JSON(&started)
		ta.Request(http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": started.PaymentID},
			as(learner)...).Status(200).JSON(&p)
		complete(t, ta, learner, c)
		first := waitCerts(t, ta, learner, 1)[0]

		// Hold commerce's revoke_access delivery back.
		tx, err := ta.App.DB.W.BeginTx(ctx, nil)
		testkit.Must(t, err)
		defer tx.Rollback()
		testkit.Must(t, ta.App.DB.LockKey(ctx, tx, fmt.Sprintf("commerce.order:%d", o.ID)))

		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p.ID), nil, as(learner)...).Status(200)
		waitFor(t, "revocation on refund", func() bool {
			for _, x := range mine(t, ta, learner) {
				if x.ID == first.ID {
					return x.Status == "revoked"
				}
			}
			return false
		})
		r := ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID}, as(learner)...)
		testkit.Must(t, tx.Rollback()) // access is revoked now
		waitFor(t, "access revoked", func() bool {
			var e eligibility
			ta.Get(fmt.Sprintf("/api/certificates/courses/%d/", c.ID), as(learner)...).Status(200).JSON(&e)
			return len(e.Missing) == 1 && e.Missing[0].Kind == "access"
		})
		for _, x := range mine(t, ta, learner) {
			if x.Status == "valid" {
				t.Errorf("after a full refund the learner holds valid certificate %s (the claim answered %d)", x.Serial, r.StatusCode)
			}
		}
	})
}
