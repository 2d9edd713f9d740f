package certificates_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/certificates/credential"
	"github.com/weaverse/weaverse/platform/testkit"
)

const pw = "correct-horse-battery-9"

type user struct {
	ID    int64
	Token string
	email string
}

// newUser registers a user with an e-mail and a (Korean) nickname, the
// name certificates carry.
func newUser(t testing.TB, ta *apptest.T, email, nickname, role string) user {
	t.Helper()
	u := user{email: email}
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": email,
		"password": pw, "password_confirm": pw, "nickname": nickname}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": email, "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

func as(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

// pages are a user's headers for pages (a bearer token is honoured there
// too in tests, as the other modules' page tests do).
func pages(u user) []string { return as(u) }

// course is a tutor's published premium course: an article, a midterm quiz
// and a final quiz of one question each.
type course struct {
	ID                      int64
	article, midterm, final int64
	question                map[int64]int64   // quiz topic → its question
	right, wrong            map[int64][]int64 // quiz topic → a right / a wrong answer
}

func newCourse(t testing.TB, ta *apptest.T, tutor user, title string, credits int, extra map[string]any) course {
	t.Helper()
	quiz := func(title, mission string) map[string]any {
		return map[string]any{"title": title, "kind": "quiz", "is_premium": true, "mission": mission, "pass_score": 100,
			"questions": []map[string]any{{"prompt": title + " 문제", "choices": []map[string]any{
				{"text": "정답", "correct": true}, {"text": "오답 1"}, {"text": "오답 2"}, {"text": "오답 3"}, {"text": "오답 4"}}}}}
	}
	body := map[string]any{"title": title, "category": "frontend", "skill_level": "beginner", "price": 20000,
		"credits": credits, "status": "published", "lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": "읽기", "kind": "article", "body": "본문", "is_premium": true},
			quiz("중간 퀴즈", "midterm"), quiz("기말 퀴즈", "final")}}}}
	for k, v := range extra {
		body[k] = v
	}
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
	out := course{ID: c.ID, article: ts[0].ID, midterm: ts[1].ID, final: ts[2].ID, question: map[int64]int64{},
		right: map[int64][]int64{}, wrong: map[int64][]int64{}}
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

// buy has u order one product ("course_id" or "curriculum_id") and pay
// for it with the demo provider; it returns the order and the payment.
func buy(t testing.TB, ta *apptest.T, u user, kind string, id int64) (order, payment struct{ ID int64 }) {
	t.Helper()
	ta.Request(http.MethodPost, "/api/orders/", map[string]any{"items": []map[string]any{{kind: id}}},
		as(u)...).Status(201).JSON(&order)
	var started struct {
		PaymentID int64 `json:"payment_id"`
	}
	ta.Request(http.MethodPost, "/api/payments/", map[string]any{"order_id": order.ID, "provider": "demo"},
		as(u)...).Status(201).JSON(&started)
	ta.Request(http.MethodPost, "/api/payments/demo/approve/", map[string]any{"payment_id": started.PaymentID},
		as(u)...).Status(200).JSON(&payment)
	return order, payment
}

// read marks the course's article read (retrying while access is being
// granted by an event).
func read(t *testing.T, ta *apptest.T, u user, c course) {
	t.Helper()
	path := fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", c.ID, c.article)
	var last *testkit.Response
	waitFor(t, "access to read", func() bool {
		last = ta.Request(http.MethodPost, path, nil, as(u)...)
		return last.StatusCode == http.StatusNoContent
	}, func() string { return string(last.Body) })
}

// take answers a quiz right or wrong.
func take(t *testing.T, ta *apptest.T, u user, c course, topic int64, pass bool) {
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

func complete(t *testing.T, ta *apptest.T, u user, c course) {
	t.Helper()
	read(t, ta, u, c)
	take(t, ta, u, c, c.midterm, true)
	take(t, ta, u, c, c.final, true)
}

func waitFor(t *testing.T, what string, cond func() bool, explain ...func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			why := ""
			for _, f := range explain {
				why += f()
			}
			t.Fatalf("timed out waiting for %s %s", what, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type cert struct {
	ID           int64
	Serial       string
	Kind         string
	CourseID     *int64 `json:"course_id"`
	CurriculumID *int64 `json:"curriculum_id"`
	Holder       string `json:"holder_name"`
	Title        string
	Credits      int
	Score        *int
	Missions     []struct {
		Mission string
		Score   int
	}
	Courses []struct{ ID int64 }
	Status  string
	Reason  string `json:"revoke_reason"`
	Verify  string `json:"verify_url"`
}

func mine(t *testing.T, ta *apptest.T, u user) []cert {
	t.Helper()
	var list []cert
	ta.Get("/api/certificates/", as(u)...).Status(200).JSON(&list)
	return list
}

// waitCerts waits until the user holds n certificates and returns them.
func waitCerts(t *testing.T, ta *apptest.T, u user, n int) []cert {
	t.Helper()
	var list []cert
	waitFor(t, fmt.Sprintf("%d certificates", n), func() bool { list = mine(t, ta, u); return len(list) >= n })
	if len(list) != n {
		t.Fatalf("%d certificates, want %d: %+v", len(list), n, list)
	}
	return list
}

type eligibility struct {
	Eligible bool
	Progress int
	Missing  []struct {
		Kind, Mission, State, URL string
	}
}

var serialRE = regexp.MustCompile(`^WV(-[0-9A-HJKMNP-TV-Z]{4}){4}$`)

// TestCertificateLifecycle drives the whole path through the API: a
// learner buys the nano-degree, completes a course (a certificate is
// issued on completion), downloads its PDF and credential and verifies
// them, completes the other course (a nano-degree certificate follows), is
// refunded (all three revoked); a learner who skipped the final mission
// gets none and is told why; an admin revokes, and that is not undone by
// completing again.
func TestCertificateLifecycle(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background())) // event deliveries run on the job queue
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		admin := newUser(t, ta, "admin@example.com", "관리자", "admin")
		learner := newUser(t, ta, "Learner@Example.com", "김하늘", "student")
		skipper := newUser(t, ta, "skipper@example.com", "이도윤", "student")
		a := newCourse(t, ta, tutor, "HTML 기초", 3, nil)
		b := newCourse(t, ta, tutor, "CSS 기초", 2, nil)
		var cu struct{ ID int64 }
		ta.Request(http.MethodPost, "/api/curriculums/", map[string]any{"title": "웹 개발 나노디그리", "category": "frontend",
			"skill_level": "beginner", "price": 30000, "access_days": 730, "status": "published",
			"course_ids": []int64{a.ID, b.ID}}, as(tutor)...).Status(201).JSON(&cu)

		// The learner buys the nano-degree (demo provider).
		_, p := buy(t, ta, learner, "curriculum_id", cu.ID)
		// The skipper is given course a by its tutor.
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", a.ID),
			map[string]any{"email": skipper.email, "reason": "장학"}, as(tutor)...).Status(201)

		// The skipper reads and passes the midterm, and never takes the final.
		read(t, ta, skipper, a)
		take(t, ta, skipper, a, a.midterm, true)
		var e eligibility
		ta.Get(fmt.Sprintf("/api/certificates/courses/%d/", a.ID), as(skipper)...).Status(200).JSON(&e)
		if e.Eligible || len(e.Missing) != 1 || e.Missing[0].Kind != "mission" || e.Missing[0].Mission != "final" ||
			e.Missing[0].State != "not_started" || e.Missing[0].URL != fmt.Sprintf("/missions/%d", a.final) {
			t.Fatalf("skipper's eligibility %+v", e)
		}
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": a.ID}, as(skipper)...).
			Problem(409, "certificates.not_eligible")
		ta.Get("/me/certificates", pages(skipper)...).Status(200).
			Contains("수료까지 남은 강좌", "HTML 기초", "기말 미션 ‘기말 퀴즈’에 응시하세요", fmt.Sprintf(`href="/missions/%d"`, a.final)).
			NotContains(`id="claim-`)

		// The learner fails the final first: no certificate, and the page says why.
		read(t, ta, learner, a)
		take(t, ta, learner, a, a.midterm, true)
		take(t, ta, learner, a, a.final, false)
		ta.Get("/me/certificates", pages(learner)...).Status(200).Contains("기말 퀴즈’을 통과하세요 (최고 0점)")
		take(t, ta, learner, a, a.final, true)
		got := waitCerts(t, ta, learner, 1)[0]
		if !serialRE.MatchString(got.Serial) || got.Kind != "course" || *got.CourseID != a.ID || got.Holder != "김하늘" ||
			got.Title != "HTML 기초" || got.Credits != 3 || got.Score == nil || *got.Score != 100 || len(got.Missions) != 2 ||
			got.Status != "valid" || got.Verify != "http://127.0.0.1:8080/verify/"+got.Serial {
			t.Fatalf("certificate %+v", got)
		}
		if len(mine(t, ta, skipper)) != 0 {
			t.Fatal("the skipper was certified")
		}
		var me struct {
			Stats struct{ Credits, Certificates int }
		}
		ta.Get("/api/me/", as(learner)...).Status(200).JSON(&me)
		if me.Stats.Credits != 3 || me.Stats.Certificates != 1 {
			t.Fatalf("profile stats %+v", me.Stats)
		}
		// A claim now returns the certificate held (200), not another.
		var again cert
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": a.ID}, as(learner)...).
			Status(200).JSON(&again)
		if again.ID != got.ID {
			t.Fatalf("claim gave %d, want %d", again.ID, got.ID)
		}

		// The PDF: the holder's Korean name, the title, the serial, and a QR
		// code to the verification page; the same bytes every time.
		pdf := ta.Get(fmt.Sprintf("/api/certificates/%d/pdf/", got.ID), as(learner)...).Status(200).Body
		if text := pdfText(t, pdf); !strings.Contains(text, "김하늘") || !strings.Contains(text, "HTML 기초") ||
			!strings.Contains(text, got.Serial) {
			t.Fatalf("PDF text:\n%s", text)
		}
		if qr := pdfQR(t, pdf); qr != got.Verify {
			t.Fatalf("QR code %q, want %q", qr, got.Verify)
		}
		if pdf2 := ta.Get(fmt.Sprintf("/api/certificates/%d/pdf/", got.ID), as(admin)...).Status(200).Body; string(pdf2) != string(pdf) {
			t.Fatal("the same certificate gave another PDF")
		}

		// The credential verifies with the published key in an independent
		// library, and not once a byte of its payload changes.
		jwks := ta.Get("/.well-known/jwks.json").Status(200).Body
		tok := string(ta.Get(fmt.Sprintf("/api/certificates/%d/credential/", got.ID), as(learner)...).Status(200).Body)
		payload := verifyJOSE(t, tok, jwks)
		for _, want := range []string{`"OpenBadgeCredential"`, `"jti":"` + got.Verify + `"`, `"name":"HTML 기초"`,
			`"statusListCredential":"http://127.0.0.1:8080/certificates/status/1"`} {
			if !strings.Contains(payload, want) {
				t.Errorf("credential payload lacks %s:\n%s", want, payload)
			}
		}
		if strings.Contains(strings.ToLower(payload), "learner@example.com") {
			t.Error("the credential carries the e-mail in clear")
		}
		if _, err := credential.Verify(tok, jwks); err != nil {
			t.Fatalf("own verification: %v", err)
		}
		if tampered := flipPayloadByte(tok); verifies(tampered, jwks) {
			t.Fatal("a tampered credential verified")
		}
		ta.Get(fmt.Sprintf("/api/certificates/%d/credential/", got.ID), as(admin)...).Problem(404, "certificates.not_found")
		ta.Get(fmt.Sprintf("/api/certificates/%d/", got.ID), as(skipper)...).Problem(404, "certificates.not_found")

		// Anyone verifies it, typed any way; no e-mail in the answer.
		var v struct {
			Valid  bool
			Status string
			Holder string `json:"holder_name"`
			Title  string
		}
		typed := strings.ToLower(strings.ReplaceAll(got.Serial, "-", ""))
		r := ta.Get("/api/certificates/verify/" + typed + "/").Status(200).NotContains("example.com")
		r.JSON(&v)
		if !v.Valid || v.Status != "valid" || v.Holder != "김하늘" || v.Title != "HTML 기초" {
			t.Fatalf("verification %+v", v)
		}
		ta.Get("/verify/"+got.Serial).Status(200).Contains("김하늘", "HTML 기초", `id="verify-valid"`)
		ta.Get("/certificates/verify?serial=" + typed).Status(303)

		// The other course: its certificate, then the nano-degree's.
		complete(t, ta, learner, b)
		all := waitCerts(t, ta, learner, 3)
		var nano *cert
		for i := range all {
			if all[i].Kind == "curriculum" {
				nano = &all[i]
			}
		}
		if nano == nil || *nano.CurriculumID != cu.ID || nano.Title != "웹 개발 나노디그리" || nano.Credits != 5 || len(nano.Courses) != 2 {
			t.Fatalf("nano-degree certificate %+v", nano)
		}
		ta.Get("/me/certificates", pages(learner)...).Status(200).Contains("나노디그리 수료증", "LinkedIn", "PDF")

		// A refund revokes all three; the pages and the status list say so.
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/payments/%d/cancel/", p.ID), nil, as(learner)...).Status(200)
		waitFor(t, "revocation on refund", func() bool {
			for _, c := range mine(t, ta, learner) {
				if c.Status != "revoked" || c.Reason != "refund" {
					return false
				}
			}
			return true
		})
		ta.Get("/verify/"+got.Serial).Status(200).Contains(`id="verify-revoked"`, "환불로 취소")
		ta.Get("/api/certificates/verify/"+nano.Serial+"/").Status(200).Contains(`"valid":false`, `"revoked"`)
		revoked := statusBits(t, ta)
		for _, c := range all {
			if !revoked(int(c.ID - 1)) {
				t.Errorf("status list: certificate %d not revoked", c.ID)
			}
		}
		ta.Get("/api/me/", as(learner)...).Status(200).JSON(&me)
		if me.Stats.Credits != 0 || me.Stats.Certificates != 0 {
			t.Fatalf("profile stats after the refund %+v", me.Stats)
		}
		// Without access no claim issues it again.
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": a.ID}, as(learner)...).
			Problem(409, "certificates.no_access")

		// The skipper finishes; an admin revokes; completing again does not
		// bring it back.
		take(t, ta, skipper, a, a.final, true)
		sk := waitCerts(t, ta, skipper, 1)[0]
		ta.Request(http.MethodPost, fmt.Sprintf("/api/certificates/%d/revoke/", sk.ID), map[string]any{"reason": "부정행위"},
			as(skipper)...).Problem(403, "")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/certificates/%d/revoke/", sk.ID), map[string]any{"reason": "부정행위"},
			as(admin)...).Status(200).Contains(`"revoke_reason":"admin"`, "부정행위")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/certificates/%d/revoke/", sk.ID), map[string]any{"reason": "다시"},
			as(admin)...).Problem(409, "certificates.already_revoked")
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": a.ID}, as(skipper)...).
			Problem(409, "certificates.revoked_by_issuer")
		ta.Get("/verify/" + sk.Serial).Status(200).Contains("발급 기관이 취소").NotContains("부정행위")
		ta.Get("/admin/certificates?status=revoked", pages(admin)...).Status(200).Contains(sk.Serial, "부정행위", got.Serial)
		ta.Get("/admin/certificates?q="+sk.Serial, pages(admin)...).Status(200).Contains(sk.Serial).NotContains(got.Serial)
		ta.Get("/admin/certificates?q=이도윤", pages(admin)...).Status(200).Contains(sk.Serial).NotContains(got.Serial)
	})
}

// TestConcurrentClaims: an eligible learner's ten claims at once, racing
// the certificate the completion issues, leave one certificate.
func TestConcurrentClaims(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background())) // event deliveries run on the job queue
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		learner := newUser(t, ta, "learner@example.com", "박서준", "student")
		c := newCourse(t, ta, tutor, "동시 수료", 1, nil)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
			map[string]any{"email": learner.email, "reason": "테스트"}, as(tutor)...).Status(201)
		complete(t, ta, learner, c)
		var wg sync.WaitGroup
		codes := make([]int, 10)
		for i := range codes {
			wg.Go(func() {
				codes[i] = ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": c.ID},
					as(learner)...).StatusCode
			})
		}
		wg.Wait()
		for _, code := range codes {
			if code != http.StatusOK && code != http.StatusCreated {
				t.Fatalf("claims answered %v", codes)
			}
		}
		time.Sleep(200 * time.Millisecond) // let the completion's events run too
		if n := len(waitCerts(t, ta, learner, 1)); n != 1 {
			t.Fatalf("%d certificates", n)
		}
	})
}

// TestSerials: serials are read as typed, and bad ones are refused
// before any query.
func TestSerialLookups(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		for _, s := range []string{"x", "WV-0000", strings.Repeat("A", 40), "WV-UUUU-UUUU-UUUU-UUUU"} {
			ta.Get("/api/certificates/verify/"+s+"/").Problem(404, "certificates.serial_not_found")
		}
		ta.Get("/api/certificates/verify/"+strings.Repeat("A", 41)+"/").Problem(422, "")
		ta.Get("/certificates/verify?serial=nope").Status(422).Contains("WV-")
		ta.Get("/verify/WV-0000-0000-0000-0000").Status(404).Contains("그 일련번호의 수료증은 없어요")
		ta.Get("/certificates/status/1").Status(200)
		ta.Get("/.well-known/did.json").Status(200).Contains("did:web:127.0.0.1%3A8080")
		ta.Get("/certificates/issuer").Status(200).Contains(`"Profile"`)
	})
}

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: cannot read the certificate PDF back")
	}
	p := filepath.Join(t.TempDir(), "cert.pdf")
	testkit.Must(t, os.WriteFile(p, b, 0o600))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
	testkit.Must(t, err)
	return string(out)
}

// pdfQR rasterizes the PDF's page and decodes its QR code.
func pdfQR(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) is not installed: cannot rasterize the certificate PDF")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "cert.pdf")
	testkit.Must(t, os.WriteFile(p, b, 0o600))
	out, err := exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", p, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	testkit.Must(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	testkit.Must(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	testkit.Must(t, err)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	testkit.Must(t, err)
	return res.GetText()
}

// verifyJOSE verifies a VC-JWT with go-jose against a JWKS and returns
// its payload.
func verifyJOSE(t *testing.T, tok string, jwks []byte) string {
	t.Helper()
	var set jose.JSONWebKeySet
	testkit.Must(t, jsonUnmarshal(jwks, &set))
	sig, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.EdDSA})
	testkit.Must(t, err)
	keys := set.Key(sig.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q: %d keys in the JWKS", sig.Signatures[0].Header.KeyID, len(keys))
	}
	payload, err := sig.Verify(keys[0])
	testkit.Must(t, err)
	return string(payload)
}

func verifies(tok string, jwks []byte) bool {
	var set jose.JSONWebKeySet
	if jsonUnmarshal(jwks, &set) != nil {
		return false
	}
	sig, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return false
	}
	keys := set.Key(sig.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return false
	}
	_, err = sig.Verify(keys[0])
	return err == nil
}

// flipPayloadByte changes one byte of the token's payload (inside the
// credential's name, so the JSON stays valid).
func flipPayloadByte(tok string) string {
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	i := strings.Index(string(raw), `"jti":"`) + len(`"jti":"`) + 2
	raw[i] ^= 0x01
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// statusBits reads status list 1 (verified against the published key).
func statusBits(t *testing.T, ta *apptest.T) func(int) bool {
	t.Helper()
	jwks := ta.Get("/.well-known/jwks.json").Status(200).Body
	claims, err := credential.Verify(string(ta.Get("/certificates/status/1").Status(200).Body), jwks)
	testkit.Must(t, err)
	subject, _ := claims["credentialSubject"].(map[string]any)
	enc, _ := subject["encodedList"].(string)
	bits, err := credential.DecodeStatusList(enc)
	testkit.Must(t, err)
	return func(i int) bool {
		set, err := bits.Bit(i)
		return err == nil && set
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestCourseRules: a course's certificate rule decides — none for a
// course that issues none; a share of the topics and no mission; a rule
// relaxed after the learner stopped, which a claim then meets.
func TestCourseRules(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		tutor := newUser(t, ta, "tutor@example.com", "튜터", "tutor")
		learner := newUser(t, ta, "learner@example.com", "최유나", "student")
		off := newCourse(t, ta, tutor, "수료증 없는 강좌", 1, map[string]any{"certificate": map[string]any{"disabled": true}})
		half := newCourse(t, ta, tutor, "절반만", 1, map[string]any{"certificate": map[string]any{"missions": "none", "min_progress": 50}})
		later := newCourse(t, ta, tutor, "나중에 완화", 2, nil)
		for _, c := range []course{off, half, later} {
			ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
				map[string]any{"email": learner.email, "reason": "테스트"}, as(tutor)...).Status(201)
		}

		// No certificate from a course that issues none.
		complete(t, ta, learner, off)
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": off.ID}, as(learner)...).
			Problem(409, "certificates.disabled")
		ta.Get("/me/certificates", pages(learner)...).Status(200).NotContains("수료증 없는 강좌")

		// Half the topics, no mission: the article is a third, the midterm
		// passed (a topic like any other here) makes two thirds.
		read(t, ta, learner, half)
		var e eligibility
		ta.Get(fmt.Sprintf("/api/certificates/courses/%d/", half.ID), as(learner)...).Status(200).JSON(&e)
		if e.Eligible || len(e.Missing) != 1 || e.Missing[0].Kind != "topics" {
			t.Fatalf("a third of the topics: %+v", e)
		}
		take(t, ta, learner, half, half.midterm, true)
		got := waitCerts(t, ta, learner, 1)[0]
		if *got.CourseID != half.ID || len(got.Missions) != 0 || got.Score != nil {
			t.Fatalf("certificate %+v", got)
		}

		// Stopped before the final; the tutor then asks for no mission and
		// 60% of the topics: a claim issues it.
		read(t, ta, learner, later)
		take(t, ta, learner, later, later.midterm, true)
		ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": later.ID}, as(learner)...).
			Problem(409, "certificates.not_eligible")
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", later.ID), map[string]any{"certificate": map[string]any{
			"missions": "none", "min_progress": 60}}, as(tutor)...).Status(200)
		if body := string(ta.Get("/me/certificates", pages(learner)...).Status(200).Body); !strings.Contains(body,
			fmt.Sprintf(`id="claim-%d"`, later.ID)) && !strings.Contains(body, `<h2 class="h5 mb-1 cert-title">나중에 완화</h2>`) {
			t.Fatal("my certificates offers no claim of the relaxed course (nor holds its certificate)")
		}
		// (An evaluation of the midterm's events still queued may issue it
		// first: then the claim answers it, 200.)
		var c cert
		r0 := ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": later.ID}, as(learner)...)
		if r0.StatusCode != http.StatusCreated && r0.StatusCode != http.StatusOK {
			t.Fatalf("claim after the rule was relaxed: %d %s", r0.StatusCode, r0.Body)
		}
		r0.JSON(&c)
		if c.Credits != 2 || c.Title != "나중에 완화" {
			t.Fatalf("claimed %+v", c)
		}
		// The claim form on the page: already held now.
		r := ta.Request(http.MethodPost, "/me/certificates/claim", fmt.Sprintf("course_id=%d", later.ID),
			append(pages(learner), "Content-Type", "application/x-www-form-urlencoded")...).Status(303)
		if loc := r.Header.Get("Location"); loc != "/me/certificates" {
			t.Fatalf("claim form went to %q", loc)
		}
	})
}

// BenchmarkVerify: the public verification API and page, and the holder's
// page with seven courses on the way (SQLite, in process).
func BenchmarkVerify(b *testing.B) {
	ta := apptest.New(b, "sqlite")
	tutor := newUser(b, ta, "tutor@example.com", "튜터", "tutor")
	learner := newUser(b, ta, "learner@example.com", "김하늘", "student")
	var first course
	for i := range 7 {
		c := newCourse(b, ta, tutor, fmt.Sprintf("강좌 %d", i+1), 1, nil)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", c.ID),
			map[string]any{"email": learner.email, "reason": "벤치"}, as(tutor)...).Status(201)
		if i == 0 {
			first = c
		}
	}
	path := fmt.Sprintf("/api/me/courses/%d/topics/%d/read/", first.ID, first.article)
	ta.Request(http.MethodPost, path, nil, as(learner)...).Status(204)
	for _, q := range []int64{first.midterm, first.final} {
		var qz struct{ Attempt int }
		ta.Get(fmt.Sprintf("/api/topics/%d/quiz/", q), as(learner)...).Status(200).JSON(&qz)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/topics/%d/quiz/attempts/", q), map[string]any{"attempt": qz.Attempt,
			"answers": []map[string]any{{"question_id": first.question[q], "choice_ids": first.right[q]}}}, as(learner)...).Status(201)
	}
	var c cert
	ta.Request(http.MethodPost, "/api/certificates/claim/", map[string]any{"course_id": first.ID}, as(learner)...).Status(201).JSON(&c)
	for name, req := range map[string]func(){
		"api":  func() { ta.Get("/api/certificates/verify/" + c.Serial + "/").Status(200) },
		"page": func() { ta.Get("/verify/" + c.Serial).Status(200) },
		"mine": func() { ta.Get("/me/certificates", pages(learner)...).Status(200) },
		"pdf":  func() { ta.Get(fmt.Sprintf("/api/certificates/%d/pdf/", c.ID), as(learner)...).Status(200) },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				req()
			}
		})
	}
}
