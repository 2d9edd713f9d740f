package learning_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/learning"
	"github.com/weaverse/weaverse/platform/testkit"
)

const pw = "correct-horse-battery-9"

type user struct {
	ID    int64
	Token string
}

func newUser(t testing.TB, ta *apptest.T, name, role string) user {
	t.Helper()
	var u user
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": name + "@example.com",
		"password": pw, "password_confirm": pw, "nickname": name}).Status(201).JSON(&u)
	if role != "student" {
		_, err := ta.App.DB.W.NewUpdate().Table("accounts_users").Set("role = ?", role).Where("id = ?", u.ID).Exec(context.Background())
		testkit.Must(t, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	u.Token = tok.AccessToken
	return u
}

func as(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

// world is a published premium course of a tutor's with one video topic
// (a ready 600 s video, attached) and one article topic.
type world struct {
	tutor            user
	course, video    int64
	videoTopic, read int64
}

func newWorld(t *testing.T, ta *apptest.T) world {
	t.Helper()
	w := world{tutor: newUser(t, ta, "tutor", "tutor")}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "학습 강좌", "category": "frontend",
		"skill_level": "beginner", "price": 30000, "status": "published", "access_days": 730, "credits": 3,
		"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": "영상", "kind": "video", "is_premium": true},
			{"title": "글", "kind": "article", "body": "본문", "is_premium": true}}}}}, as(w.tutor)...).Status(201).JSON(&c)
	w.course, w.videoTopic, w.read = c.ID, c.Lectures[0].Topics[0].ID, c.Lectures[0].Topics[1].ID
	now := ta.Clock.Now()
	testkit.Must(t, ta.App.DB.W.NewRaw(`INSERT INTO media_videos (owner_id, title, status, size, duration_ms, width, height,
		renditions, progress, created_at, updated_at) VALUES (?, 'v', 'ready', 1000, 600000, 1280, 720, '[]', 100, ?, ?) RETURNING id`,
		w.tutor.ID, now, now).Scan(context.Background(), &w.video))
	ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", w.video), map[string]any{"topic_id": w.videoTopic},
		as(w.tutor)...).Status(204)
	return w
}

func TestWatchSmoke(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := newUser(t, ta, "alice", "student")
		path := fmt.Sprintf("/api/user/%d/video/%d/event-occur/", a.ID, w.video)
		// Not entitled: the video is not playable.
		ta.Request(http.MethodPost, path, map[string]any{"event_type": "play", "current_time": 0}, as(a)...).Status(404)
		ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
			map[string]any{"email": "alice@example.com", "reason": "장학생"}, as(w.tutor)...).Status(201)
		send := func(typ string, pos float64) map[string]any {
			return ta.Request(http.MethodPost, path, map[string]any{"event_type": typ, "current_time": pos}, as(a)...).Status(201).Map()
		}
		send("play", 0)
		for i := 1; i <= 3; i++ {
			ta.Clock.Advance(10 * time.Second)
			send("timeupdate", float64(i*10))
		}
		send("seek", 60)
		var last map[string]any
		for i := 1; i <= 3; i++ {
			ta.Clock.Advance(10 * time.Second)
			last = send("timeupdate", float64(60+i*10))
		}
		prog := last["progress"].(map[string]any)
		if prog["watched_seconds"].(float64) != 60 {
			t.Fatalf("watched %v, want 60: %v", prog["watched_seconds"], prog)
		}
		ta.Clock.Advance(10 * time.Second)
		prog = send("timeupdate", 390)["progress"].(map[string]any) // 300 s claimed in 10 s: not counted
		if prog["watched_seconds"].(float64) != 60 {
			t.Fatalf("a 300 s claim counted: %v", prog)
		}
		var mine struct{ Results []learning.CourseProgress }
		ta.Request(http.MethodGet, "/api/me/courses/", nil, as(a)...).Status(200).JSON(&mine)
		if len(mine.Results) != 1 || mine.Results[0].CourseID != w.course {
			t.Fatalf("my courses: %+v", mine.Results)
		}
	})
}
