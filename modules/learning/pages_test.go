package learning_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// pageAs is a browser signed in as u (anonymous for a zero user): the
// bearer token stands for the session cookie.
// Each user keeps one browser (its cookies: the flash) for the test.
func pageAs(ta *apptest.T, u user) *testkit.PageBrowser {
	browsersMu.Lock()
	defer browsersMu.Unlock()
	key := browserKey{ta, u.Token}
	if b := browsers[key]; b != nil {
		return b
	}
	b := testkit.NewPageBrowser(ta.Client)
	if u.Token != "" {
		b = testkit.NewPageBrowser(ta.Client, "Authorization", "Bearer "+u.Token)
	}
	browsers[key] = b
	return b
}

type browserKey struct {
	ta    *apptest.T
	token string
}

var (
	browsersMu sync.Mutex
	browsers   = map[browserKey]*testkit.PageBrowser{}
)

func location(t *testing.T, r *testkit.Response) string {
	t.Helper()
	r.Status(http.StatusSeeOther)
	return r.Header.Get("Location")
}

// relogin signs u in again (after the clock moved past the token's life).
func relogin(t *testing.T, ta *apptest.T, u user, name string) user {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

func grant(t *testing.T, ta *apptest.T, w world, email string, days int) {
	t.Helper()
	body := map[string]any{"email": email, "reason": "장학생"}
	if days > 0 {
		body["days"] = days
	}
	ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course), body, as(w.tutor)...).Status(201)
}

// missionCourse is a published course of the tutor's with a free article,
// a premium quiz, and nothing else; price 0 when free.
func missionCourse(t *testing.T, ta *apptest.T, tutor user, price int) (course, article, quiz int64) {
	t.Helper()
	choices := []map[string]any{}
	for i := 0; i < 5; i++ {
		choices = append(choices, map[string]any{"text": fmt.Sprintf("보기 %d", i+1), "correct": i == 0})
	}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "미션 강좌", "category": "frontend",
		"skill_level": "beginner", "price": price, "status": "published",
		"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": "맛보기 글", "kind": "article", "body": "맛보기 본문"},
			{"title": "확인 퀴즈", "kind": "quiz", "is_premium": true, "questions": []map[string]any{
				{"prompt": "문제", "choices": choices}}}}}}}, as(tutor)...).Status(201).JSON(&c)
	return c.ID, c.Lectures[0].Topics[0].ID, c.Lectures[0].Topics[1].ID
}

func TestLearnTopicPage(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		videoURL := fmt.Sprintf("/learn/%d/%d", w.course, w.videoTopic)
		readURL := fmt.Sprintf("/learn/%d/%d", w.course, w.read)

		// Signed out: a premium topic asks to sign in, and comes back here.
		pageAs(ta, user{}).Get(videoURL).Status(200).Contains("로그인하면 볼 수 있어요",
			`href="/login?next=`+url.QueryEscape(videoURL)+`"`, `aria-current="page"`, "bi-lock-fill").
			NotContains("data-video-id", "vendor/hls/hls.min")
		// Signed in without access, on an instance that sells nothing (no
		// payment provider): who to ask.
		testkit.Must(t, ta.App.ReplaceProvider(noShop{}))
		pageAs(ta, a).Get(readURL).Status(200).Contains("수강 권한이 필요해요", "강사(tutor)").
			NotContains("<p>본문</p>", `id="article-body"`, "locked-buy", "곧 ", "coming soon")

		grant(t, ta, w, "alice@example.com", 0)
		pageAs(ta, a).Get(videoURL).Status(200).Contains(
			fmt.Sprintf(`data-video-id="%d"`, w.video), fmt.Sprintf(`data-user-id="%d"`, a.ID),
			fmt.Sprintf(`data-event-url="/api/user/%d/video/%d/event-occur/"`, a.ID, w.video),
			fmt.Sprintf(`data-playback-url="/api/videos/%d/playback/"`, w.video), `data-duration="600"`,
			`id="autoplay-next"`, `id="next-topic"`, "/static/js/learn-player.", "vendor/hls/hls.min").NotContains("로그인하면")
		// The article: its body, "mark as read" without script.
		pageAs(ta, a).Get(readURL).Status(200).Contains("<p>본문</p>", `id="article-end"`, `id="mark-read"`,
			fmt.Sprintf(`data-read-url="/api/me/courses/%d/topics/%d/read/"`, w.course, w.read), `id="prev-topic"`)
		if got := location(t, pageAs(ta, a).Post(readURL+"/read")); got != readURL {
			t.Fatalf("read: redirected to %q", got)
		}
		pageAs(ta, a).Get(readURL).Status(200).Contains("읽음으로 표시했어요", "is-done", "1/2 토픽 완료 (50%)").
			NotContains("data-read-url")
		// Marking a video read is refused; an anonymous reader signs in first.
		pageAs(ta, a).Post(videoURL + "/read").Status(409)
		pageAs(ta, user{}).Post(readURL + "/read").Status(401)

		// /learn/{course} continues where the learner left off: the article
		// is done, so the video.
		if got := location(t, pageAs(ta, a).Get(fmt.Sprintf("/learn/%d", w.course))); got != videoURL {
			t.Fatalf("continue: %q, want %q", got, videoURL)
		}
		// Signed out: the first topic.
		if got := location(t, pageAs(ta, user{}).Get(fmt.Sprintf("/learn/%d", w.course))); got != videoURL {
			t.Fatalf("continue signed out: %q", got)
		}

		// Unknown course or topic, or a topic of another course: 404.
		other, otherArticle, _ := missionCourse(t, ta, w.tutor, 10000)
		for _, path := range []string{"/learn/999999/1", fmt.Sprintf("/learn/%d/999999", w.course),
			fmt.Sprintf("/learn/%d/%d", w.course, otherArticle), "/learn/x/1", fmt.Sprintf("/learn/%d/0", w.course),
			"/learn/999999"} {
			pageAs(ta, a).Get(path).Status(404)
		}
		_ = other
	})
}

func TestLearnTopicExpiredAndMissions(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		b := newUser(t, ta, "bob", "student")
		grant(t, ta, w, "bob@example.com", 1)
		readURL := fmt.Sprintf("/learn/%d/%d", w.course, w.read)
		pageAs(ta, b).Get(readURL).Status(200).Contains("<p>본문</p>")
		ta.Clock.Advance(49 * time.Hour)
		b = relogin(t, ta, b, "bob")
		w.tutor = relogin(t, ta, w.tutor, "tutor")
		pageAs(ta, b).Get(readURL).Status(200).Contains("수강 기간이 2026년 3월 3일에 끝났어요", "학습 기록과 진도는 그대로").
			NotContains("<p>본문</p>", `id="article-body"`)

		// A free course: a signed-in visitor is enrolled on the first visit;
		// a quiz says where its mission is; a free topic is open to all.
		course, article, quiz := missionCourse(t, ta, w.tutor, 0)
		quizURL := fmt.Sprintf("/learn/%d/%d", course, quiz)
		pageAs(ta, user{}).Get(quizURL).Status(200).Contains("로그인하면 볼 수 있어요")
		pageAs(ta, user{}).Get(fmt.Sprintf("/learn/%d/%d", course, article)).Status(200).Contains("맛보기 본문").
			NotContains(`id="mark-read"`)
		pageAs(ta, b).Get(quizURL).Status(200).Contains("퀴즈 미션", "아직 응시하지 않았어요",
			fmt.Sprintf(`href="/missions/%d"`, quiz)).NotContains("곧 ", "준비 중")
		pageAs(ta, b).Get("/me/learning").Status(200).Contains("미션 강좌", "학습 강좌", "만료", "2026년 3월 3일에 끝남")
	})
}

func TestLearnMyLearning(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		if got := location(t, pageAs(ta, user{}).Get("/me/learning")); got != "/login?next=%2Fme%2Flearning" {
			t.Fatalf("signed out: %q", got)
		}
		r := pageAs(ta, a).Get("/me/learning").Status(200).Contains("내 학습", `id="my-empty"`, `href="/courses"`)
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("Cache-Control %q", cc)
		}
		grant(t, ta, w, "alice@example.com", 30)
		// Owned, not started: a card, no "continue where you left off" yet.
		pageAs(ta, a).Get("/me/learning").Status(200).Contains("학습 강좌", "수강 전", "2026년 4월 1일까지",
			fmt.Sprintf(`href="/learn/%d/%d"`, w.course, w.videoTopic)).NotContains(`id="resume-card"`, `id="my-empty"`)
		// Watched a minute of the video, read the article.
		path := fmt.Sprintf("/api/user/%d/video/%d/event-occur/", a.ID, w.video)
		ta.Request(http.MethodPost, path, map[string]any{"event_type": "play", "current_time": 0}, as(a)...).Status(201)
		for i := 1; i <= 6; i++ {
			ta.Clock.Advance(10 * time.Second)
			ta.Request(http.MethodPost, path, map[string]any{"event_type": "timeupdate", "current_time": i * 10}, as(a)...).Status(201)
		}
		pageAs(ta, a).Post(fmt.Sprintf("/learn/%d/%d/read", w.course, w.read)).Status(303)
		pageAs(ta, a).Get("/me/learning").Status(200).Contains(`id="resume-card"`, "수강 중", "1/2 토픽 완료 (50%)",
			"1분", "이어서 학습하기", fmt.Sprintf(`href="/learn/%d/%d"`, w.course, w.videoTopic))
		// English.
		pageAs(ta, a).Get("/me/learning?lang=en").Status(200).Contains("My learning", "In progress", "Continue")
	})
}

func TestLearnStudioLearners(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		other := newUser(t, ta, "other", "tutor")
		admin := newUser(t, ta, "root", "admin")
		page := fmt.Sprintf("/studio/courses/%d/learners", w.course)

		if got := location(t, pageAs(ta, user{}).Get(page)); !strings.HasPrefix(got, "/login?next=") {
			t.Fatalf("signed out: %q", got)
		}
		pageAs(ta, a).Get(page).Status(404)
		pageAs(ta, other).Get(page).Status(404)
		pageAs(ta, other).Post(page, "email", "alice@example.com", "reason", "x").Status(404)
		pageAs(ta, w.tutor).Get("/studio/courses/999999/learners").Status(404)
		pageAs(ta, w.tutor).Get(page).Status(200).Contains("수강생", "아직 수강생이 없어요", `id="grant-form"`)
		pageAs(ta, admin).Get(page).Status(200)

		// The catalog's studio links here.
		pageAs(ta, w.tutor).Get("/studio/courses").Status(200).Contains(`href="` + page + `"`)
		pageAs(ta, w.tutor).Get(fmt.Sprintf("/studio/courses/%d", w.course)).Status(200).Contains(`href="` + page + `"`)

		// Errors beside the fields.
		pageAs(ta, w.tutor).Post(page, "email", "", "reason", "").Status(422).
			Contains("수강생의 이메일을 적어 주세요", "사유를 1~500자로 적어 주세요", `aria-invalid="true"`)
		pageAs(ta, w.tutor).Post(page, "email", "nobody@example.com", "reason", "장학").Status(422).
			Contains("그런 사용자가 없어요", `value="nobody@example.com"`)
		pageAs(ta, w.tutor).Post(page, "email", "alice@example.com", "days", "열흘", "reason", "장학").Status(422).
			Contains("기간은 0~36500일이에요")
		// Granted: 303 and a flash, then listed.
		if got := location(t, pageAs(ta, w.tutor).Post(page, "email", "alice@example.com", "days", "10", "reason", "장학생 선발")); got != page {
			t.Fatalf("grant: %q", got)
		}
		r := pageAs(ta, w.tutor).Get(page).Status(200).Contains("alice님에게 수강 권한을 줬어요", "alice@example.com",
			"장학생 선발", "직접 부여", "2026년 3월 12일", "권한 회수")
		_ = r
		var list struct {
			Results []struct{ ID int64 }
		}
		ta.Get(fmt.Sprintf("/api/courses/%d/enrollments/", w.course), as(w.tutor)...).Status(200).JSON(&list)
		if len(list.Results) != 1 {
			t.Fatalf("enrollments %+v", list.Results)
		}
		eid := list.Results[0].ID
		revoke := fmt.Sprintf("%s/%d/revoke", page, eid)
		pageAs(ta, a).Post(revoke, "reason", "x").Status(404)
		pageAs(ta, w.tutor).Post(revoke, "reason", " ").Status(422).Contains("사유를 1~500자로 적어 주세요",
			fmt.Sprintf(`id="revoke-reason-%d-error"`, eid))
		pageAs(ta, w.tutor).Post(fmt.Sprintf("%s/999999/revoke", page), "reason", "x").Status(404)
		if got := location(t, pageAs(ta, w.tutor).Post(revoke, "reason", "환불")); got != page {
			t.Fatalf("revoke: %q", got)
		}
		pageAs(ta, w.tutor).Get(page).Status(200).Contains("alice님의 수강 권한을 거뒀어요", "권한 회수", "환불").
			NotContains(`id="revoke-reason-`)
		// Again: nothing changes.
		location(t, pageAs(ta, w.tutor).Post(revoke, "reason", "다시"))
		// The learner sees that access was revoked, and when; the history stays.
		pageAs(ta, a).Get(fmt.Sprintf("/learn/%d/%d", w.course, w.read)).Status(200).Contains("수강 권한이 2026년 3월 2일에 회수됐어요").
			NotContains("수강 기간이")
	})
}

// noShop sells nothing (an instance without a payment provider).
type noShop struct{}

func (noShop) CourseBuyURL(int64) string     { return "" }
func (noShop) CurriculumBuyURL(int64) string { return "" }

// shop sells every course (a storefront double).
type shop struct{}

func (shop) CourseBuyURL(id int64) string     { return fmt.Sprintf("/checkout/course/%d", id) }
func (shop) CurriculumBuyURL(id int64) string { return fmt.Sprintf("/checkout/curriculum/%d", id) }

func TestLearnBuyPagingAndResubmits(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		readURL := fmt.Sprintf("/learn/%d/%d", w.course, w.read)
		// Where the course is sold, a learner without access is offered to
		// buy it; a visitor is asked to sign in first.
		testkit.Must(t, ta.App.ReplaceProvider(shop{}))
		pageAs(ta, a).Get(readURL).Status(200).Contains("수강 권한이 필요해요",
			fmt.Sprintf(`href="/checkout/course/%d"`, w.course)).NotContains("관리자에게 수강 권한을 요청")
		pageAs(ta, user{}).Get(readURL).Status(200).NotContains("/checkout/course/")
		pageAs(ta, a).Get(readURL+"?lang=en").Status(200).Contains("You need access to this course", "Enroll")

		page := fmt.Sprintf("/studio/courses/%d/learners", w.course)
		tb := pageAs(ta, w.tutor)
		// A reason too long; then the same grant twice (a double submit):
		// one enrollment, renewed.
		tb.Post(page, "email", "alice@example.com", "reason", strings.Repeat("가", 501)).Status(422).
			Contains("사유를 1~500자로 적어 주세요")
		location(t, tb.Post(page, "email", "alice@example.com", "reason", "장학"))
		location(t, tb.Post(page, "email", "alice@example.com", "reason", "장학"))
		tb.Get(page).Status(200).Contains("수강 등록 1건")

		// 50 a page, with links to the next.
		now := ta.Clock.Now()
		for i := 0; i < 55; i++ {
			_, err := ta.App.DB.W.NewRaw(`INSERT INTO learning_enrollments (user_id, course_id, source, ref, reason,
				starts_at, revoke_reason, created_at, updated_at) VALUES (?, ?, 'purchase', ?, '', ?, '', ?, ?)`,
				a.ID, w.course, fmt.Sprintf("order:%d", i), now, now, now).Exec(t.Context())
			testkit.Must(t, err)
		}
		r := tb.Get(page).Status(200).Contains("수강 등록 56건", `href="`+page+`?page=2"`)
		if n := strings.Count(string(r.Body), `<tr id="enrollment-`); n != 50 {
			t.Fatalf("%d rows on page 1", n)
		}
		r = tb.Get(page + "?page=2").Status(200)
		if n := strings.Count(string(r.Body), `<tr id="enrollment-`); n != 6 {
			t.Fatalf("%d rows on page 2", n)
		}
		tb.Get(page + "?page=-3").Status(200)
		if got := location(t, tb.Get(page+"?page=9")); got != page {
			t.Fatalf("past the last page: %q", got)
		}
	})
}
