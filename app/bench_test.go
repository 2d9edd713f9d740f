package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Benchmarks over a real loopback connection, on SQLite (set
// WEAVERSE_TEST_POSTGRES_URL and use -bench with the dialect in the name to
// compare): go test ./app -run XXX -bench . -benchtime 3s
func benchServer(b *testing.B, dialect string, opts ...apptest.Option) (*apptest.T, string) {
	ta := apptest.New(b, dialect, opts...)
	return ta, testkit.Listen(b, ta.App.Fiber)
}

func get(b *testing.B, client *http.Client, url, token string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d", url, resp.StatusCode)
	}
}

func BenchmarkHealthz(b *testing.B) {
	_, base := benchServer(b, "sqlite")
	client := &http.Client{}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, base+"/healthz", "")
		}
	})
}

// An authenticated API read: token verification, session and user checks
// (two indexed reads), the profile read and the JSON answer.
func BenchmarkMeAuthenticated(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ta, base := benchServer(b, dialect)
			pw := "correct-horse-battery-9"
			ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": "bench@example.com",
				"password": pw, "password_confirm": pw, "nickname": "벤치"}).Status(201)
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": "bench@example.com", "password": pw}).Status(200).JSON(&tok)
			client := &http.Client{}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, client, base+"/api/me/", tok.AccessToken)
				}
			})
		})
	}
}

// The home page (server-rendered, compressed).
func BenchmarkHomePage(b *testing.B) {
	_, base := benchServer(b, "sqlite")
	client := &http.Client{}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, base+"/", "")
		}
	})
}

// A login with the production argon2id cost (19 MiB, 2 passes).
func BenchmarkLoginProductionArgon2(b *testing.B) {
	ta, _ := benchServer(b, "sqlite", func(cfg *config.Config, o *app.Options) {
		cfg.Auth.Argon2 = config.Argon2{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}
		cfg.Auth.Throttle.AccountFailures = 1 << 30
	})
	pw := "correct-horse-battery-9"
	ta.Request(http.MethodPost, "/api/student/register/", map[string]string{"email": "l@example.com",
		"password": pw, "password_confirm": pw, "nickname": "로그인"}).Status(201)
	body := `{"email":"l@example.com","password":"` + pw + `"}`
	b.ResetTimer()
	for b.Loop() {
		ta.Request(http.MethodPost, "/api/login/", body, "Content-Type", "application/json").Status(200)
	}
}

// Playback of a free topic's video, signed out: the video row, the
// catalog's access check (indexed on the topics' video reference) and the
// signed URLs. Needs ffmpeg (the clip is transcoded first).
func BenchmarkPlayback(b *testing.B) {
	for _, dialect := range testkit.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			ta, base := benchServer(b, dialect)
			if !haveFFmpeg(b) {
				b.Skip("ffmpeg is not installed")
			}
			testkit.Must(b, ta.App.Start(context.Background()))
			tutor := newMediaUser(b, ta, "tutor", "tutor")
			v := readyVideo(b, ta, tutor, mediaClip(b, 2))
			_, free, _ := videoCourse(b, ta, tutor, "bench")
			ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free},
				tutor.auth()...).Status(204)
			url := fmt.Sprintf("%s/api/videos/%d/playback/", base, v.ID)
			client := &http.Client{}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, client, url, "")
				}
			})
		})
	}
}
