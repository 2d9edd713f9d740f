package certificates_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/certificates/credential"
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

// TestReviewRefundThenClaim: a refund once revoked certificates on
// OrderRefunded, independently of commerce's revocation of the access, so
// a claim in between issued a fresh certificate that nothing revoked.
// Certificates now go with the access (learning.access_revoked, published
// with the grants' revocation). Commerce's delivery is held back here with
// its own order lock while the learner claims (Postgres only: LockKey is a
// no-op on SQLite, whose one writer orders the same steps).
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
		o, p := buy(t, ta, learner, "course_id", c.ID)
		complete(t, ta, learner, c)
		waitCerts(t, ta, learner, 1)

		// Hold commerce's revoke_access delivery back.
		tx, err := ta.App.DB.W.BeginTx(ctx, nil)
		testkit.Must(t, err)
		defer tx.Rollback()
		testkit.Must(t, ta.App.DB.LockKey(ctx, tx, fmt.Sprintf("commerce.order:%d", o.ID)))

		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p.ID), nil, as(learner)...).Status(200)
		// While the grants' revocation is held back, the certificate stands
		// (it goes with the access, in learning.access_revoked's delivery).
		r := ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID}, as(learner)...)
		testkit.Must(t, tx.Rollback()) // access is revoked now
		waitFor(t, "access and certificate revoked", func() bool {
			for _, x := range mine(t, ta, learner) {
				if x.Status == "valid" {
					return false
				}
			}
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

// TestReviewConcurrentClaimsOneCreated: with no event deliveries running,
// ten concurrent claims issue one certificate, so exactly one answer is
// 201 Created; the others are 200 (the certificate already held). Claim
// reads "held before?" before it takes the user's lock, so several
// callers may be told 201 for the same certificate.
func TestReviewConcurrentClaimsOneCreated(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		learner := newUser(t, ta, "learner@example.com", "한지우", "student")
		c := newCourse(t, ta, tutor, "동시 청구", 1, nil)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
			map[string]any{"email": learner.email, "reason": "리뷰"}, as(tutor)...).Status(201)
		complete(t, ta, learner, c)
		var wg sync.WaitGroup
		codes := make([]int, 10)
		ids := make([]int64, 10)
		for i := range codes {
			wg.Go(func() {
				r := ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID}, as(learner)...)
				codes[i] = r.StatusCode
				var got struct{ ID int64 }
				_ = json.Unmarshal(r.Body, &got)
				ids[i] = got.ID
			})
		}
		wg.Wait()
		created := 0
		for i, code := range codes {
			if code == http.StatusCreated {
				created++
			}
			if code >= 500 {
				t.Errorf("claim %d answered %d", i, code)
			}
		}
		if created != 1 {
			t.Errorf("%d claims answered 201 for one certificate: %v (ids %v)", created, codes, ids)
		}
		if n := len(mine(t, ta, learner)); n != 1 {
			t.Errorf("%d certificates", n)
		}
	})
}

// TestReviewBadInputsNo500: malformed input anywhere is a 4xx.
func TestReviewBadInputsNo500(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		admin := newUser(t, ta, "admin@example.com", "관리자", "admin")
		learner := newUser(t, ta, "learner@example.com", "한지우", "student")
		for _, path := range []string{
			"/api/certificates/verify/%00/", "/api/certificates/verify/%FF%FE/", "/api/certificates/verify/WV-%C5%BF%C5%BF%C5%BF%C5%BF-0000-0000-0000/",
			"/verify/%00", "/verify/" + strings.Repeat("W", 5000),
			"/certificates/verify?serial=%00", "/certificates/verify?serial=" + strings.Repeat("A", 5000),
			"/certificates/status/99999999999999999999", "/certificates/status/-1", "/certificates/status/1048576",
			"/api/certificates/0/", "/api/certificates/abc/pdf/", "/api/certificates/courses/0/",
		} {
			if r := ta.Get(path, as(learner)...); r.StatusCode >= 500 {
				t.Errorf("GET %s: %d %s", path, r.StatusCode, r.Body)
			}
		}
		for _, q := range []string{"%25", "%27%20OR%201%3D1--", "%5C", "_", strings.Repeat("%EA%B0%80", 100)} {
			if r := ta.Get("/api/admin/certificates/?q="+q, as(admin)...); r.StatusCode >= 500 {
				t.Errorf("admin q=%s: %d %s", q, r.StatusCode, r.Body)
			}
			if r := ta.Get("/admin/certificates?q="+q, pages(admin)...); r.StatusCode >= 500 {
				t.Errorf("admin page q=%s: %d", q, r.StatusCode)
			}
		}
		for _, body := range []any{map[string]any{"course_id": "x"}, map[string]any{"course_id": -1},
			map[string]any{"course_id": 9223372036854775807}, "[]"} {
			if r := ta.Request(http.MethodPost, "/api/certificates/claim/", body, as(learner)...); r.StatusCode >= 500 {
				t.Errorf("claim %v: %d %s", body, r.StatusCode, r.Body)
			}
		}
		for _, body := range []string{"course_id=", "course_id=abc", "course_id=9223372036854775807", "course_id=-3"} {
			r := ta.Request(http.MethodPost, "/me/certificates/claim", body, append(pages(learner), "Content-Type", "application/x-www-form-urlencoded")...)
			if r.StatusCode >= 500 {
				t.Errorf("page claim %q: %d", body, r.StatusCode)
			}
		}
		for _, path := range []string{"/api/certificates/999999/revoke/", "/api/certificates/1/revoke/"} {
			if r := ta.Request(http.MethodPost, path, map[string]any{"reason": " "}, as(admin)...); r.StatusCode >= 500 {
				t.Errorf("revoke %s: %d %s", path, r.StatusCode, r.Body)
			}
		}
		if r := ta.Request(http.MethodPost, "/admin/certificates/abc/revoke", "reason=x", append(pages(admin), "Content-Type", "application/x-www-form-urlencoded")...); r.StatusCode >= 500 {
			t.Errorf("page revoke abc: %d", r.StatusCode)
		}
	})
}

// TestReviewDeletedAccountNameStaysPublic: deleting an account erases
// its nickname (accounts: "탈퇴회원N"), yet anyone holding the serial still
// reads the erased person's name on the public verification page and API.
func TestReviewDeletedAccountNameStaysPublic(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		admin := newUser(t, ta, "admin@example.com", "관리자", "admin")
		learner := newUser(t, ta, "learner@example.com", "서지원", "student")
		c := newCourse(t, ta, tutor, "탈퇴 후 검증", 1, nil)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
			map[string]any{"email": learner.email, "reason": "리뷰"}, as(tutor)...).Status(201)
		complete(t, ta, learner, c)
		var got cert
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID}, as(learner)...).
			Status(201).JSON(&got)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/students/%d/", learner.ID), nil, as(admin)...).Status(204)
		if r := ta.Get("/api/certificates/verify/" + got.Serial + "/"); strings.Contains(string(r.Body), "서지원") {
			t.Errorf("the verification API still publishes the erased name: %s", r.Body)
		}
		if r := ta.Get("/verify/" + got.Serial); strings.Contains(string(r.Body), "서지원") {
			t.Error("the verification page still publishes the erased name")
		}
	})
}

// TestReviewJWSSignatureMalleable: the last base64url character of an
// Ed25519 signature carries 4 unused bits; credential.Verify decodes
// non-strictly, so other spellings of the same token verify too (one
// credential, many distinct tokens). RFC 7515 asks for base64url without
// padding, canonical; go-jose refuses them.
func TestReviewJWSSignatureMalleable(t *testing.T) {
	t.Parallel()
	k, err := credential.GenerateKey()
	testkit.Must(t, err)
	s, err := credential.NewSigner(k, credential.Issuer{BaseURL: "https://weaverse.example", Name: "Weaverse"})
	testkit.Must(t, err)
	tok, err := s.Sign(credential.Badge{CredentialID: "https://weaverse.example/verify/WV-1", HolderEmail: "a@b.c",
		Salt: "s", ValidFrom: time.Unix(1_800_000_000, 0),
		Achievement: credential.Achievement{ID: "https://weaverse.example/courses/1", Name: "C", Kind: "course"}})
	testkit.Must(t, err)
	jwks, err := s.JWKS()
	testkit.Must(t, err)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := tok[len(tok)-1]
	i := strings.IndexByte(alphabet, last)
	other := alphabet[i^1] // flips one of the unused low bits
	forged := tok[:len(tok)-1] + string(other)
	if _, err := credential.Verify(forged, jwks); err == nil {
		t.Errorf("a non-canonical spelling of the signature verifies: %q vs %q", last, other)
	}
}

// TestReviewNanoDegreeSkipsDraftCourse: issueCurriculum reads the
// curriculum as an anonymous visitor does (catalog.CurriculumByID), which
// leaves out its draft courses: a learner certified in the published
// course alone gets the nano-degree of a two-course curriculum.
func TestReviewNanoDegreeSkipsDraftCourse(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		learner := newUser(t, ta, "learner@example.com", "오세훈", "student")
		a := newCourse(t, ta, tutor, "공개 강좌", 3, nil)
		b := newCourse(t, ta, tutor, "작성 중 강좌", 2, map[string]any{"status": "draft"})
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"title": "두 강좌 나노디그리", "category": "frontend",
			"skill_level": "beginner", "price": 30000, "access_days": 730, "status": "published",
			"course_ids": []int64{a.ID, b.ID}}, as(tutor)...).Status(201)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", a.ID),
			map[string]any{"email": learner.email, "reason": "리뷰"}, as(tutor)...).Status(201)
		complete(t, ta, learner, a)
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": a.ID}, as(learner)...).Status(201)
		for _, c := range mine(t, ta, learner) {
			if c.Kind == "curriculum" {
				t.Errorf("nano-degree issued with %d of its 2 courses certified: %+v", len(c.Courses), c)
			}
		}
	})
}

// TestReviewPDFDeterministic: the same certificate renders the same bytes
// in each language, however many renderings run at once.
func TestReviewPDFDeterministic(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		learner := newUser(t, ta, "learner@example.com", "김하늘 Zoë", "student")
		title := "결정적 PDF: a long title that wraps & <b>shrinks</b> \"quoted\" " + strings.Repeat("한국어 제목 ", 12)
		c := newCourse(t, ta, tutor, title, 1, nil)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
			map[string]any{"email": learner.email, "reason": "리뷰"}, as(tutor)...).Status(201)
		complete(t, ta, learner, c)
		var got cert
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID}, as(learner)...).
			Status(201).JSON(&got)
		for _, lang := range []string{"ko", "en", "en-US,en;q=0.9", "fr"} {
			var wg sync.WaitGroup
			bodies := make([][]byte, 6)
			for i := range bodies {
				wg.Go(func() {
					bodies[i] = ta.Get(fmt.Sprintf("/api/certificates/%d/pdf/", got.ID),
						append(as(learner), "Accept-Language", lang)...).Status(200).Body
				})
			}
			wg.Wait()
			for i := range bodies {
				if string(bodies[i]) != string(bodies[0]) {
					t.Errorf("%s: rendering %d differs", lang, i)
				}
			}
		}
		ta.Get("/me/certificates", pages(learner)...).Status(200).NotContains("<b>shrinks</b>")
		ta.Get("/verify/" + got.Serial).Status(200).NotContains("<b>shrinks</b>")
	})
}
