package assistant_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
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

// login signs a user in again (after the clock moved past the token's life).
func login(t testing.TB, ta *apptest.T, name string) user {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
		User        struct{ ID int64 }
	}
	ta.Request(http.MethodPost, "/api/login/", map[string]string{"email": name + "@example.com", "password": pw}).Status(200).JSON(&tok)
	return user{ID: tok.User.ID, Token: tok.AccessToken}
}

func as(u user) []string { return []string{"Authorization", "Bearer " + u.Token} }

// captionsKO are the Korean captions of the lecture video: a cue at 0:35
// explains closures.
const captionsKO = `WEBVTT

00:00.000 --> 00:04.000
안녕하세요, 오늘은 자바스크립트의 변수를 배워요.

00:12.500 --> 00:18.000
<v 강사>변수는 값을 담는 이름표예요.</v>

00:35.000 --> 00:41.000
클로저는 함수가 선언될 때의 렉시컬 환경을 기억하는 것이에요.

01:10.000 --> 01:15.000
let과 const는 블록 스코프를 가져요.
`

// world is a tutor's published premium course (a video topic whose video
// has Korean captions, an article about hoisting) with an enrolled
// learner, and another premium course the learner may not open, whose
// article mentions closures with a marker that must never reach a prompt.
type world struct {
	tutor, learner, outsider  user
	course, video, article    int64
	secretCourse, secretTopic int64
}

const secretMarker = "XYZZY-비밀"

func newWorld(t *testing.T, ta *apptest.T) world {
	t.Helper()
	w := world{tutor: newUser(t, ta, "tutor", "tutor"), learner: newUser(t, ta, "learner", "student"),
		outsider: newUser(t, ta, "outsider", "student")}
	var c struct {
		ID       int64
		Lectures []struct {
			Topics []struct{ ID int64 }
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "자바스크립트 기초", "category": "frontend",
		"skill_level": "beginner", "price": 30000, "status": "published",
		"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": "변수와 클로저", "kind": "video", "is_premium": true, "notes": "이 영상은 **변수**와 클로저를 다뤄요."},
			{"title": "호이스팅", "kind": "article", "is_premium": true,
				"body": "## 호이스팅\n\n호이스팅은 선언이 스코프의 맨 위로 끌어올려지는 것처럼 보이는 현상이에요.\n\n`var`로 선언한 변수는 undefined로 초기화돼요."}}}}},
		as(w.tutor)...).Status(201).JSON(&c)
	w.course, w.video, w.article = c.ID, c.Lectures[0].Topics[0].ID, c.Lectures[0].Topics[1].ID
	// A ready video without transcoding (no ffmpeg needed): its row, then
	// its captions and its topic through the API.
	var vid int64
	now := time.Now().UTC()
	testkit.Must(t, ta.App.DB.W.NewRaw("INSERT INTO media_videos (owner_id, title, status, failure, size, duration_ms, width, "+
		"height, video_codec, audio_codec, renditions, progress, source_sha256, captions, created_at, updated_at) "+
		"VALUES (?, '1강', 'ready', '', 1, 90000, 1280, 720, 'h264', 'aac', '[]', 100, '', '[]', ?, ?) RETURNING id",
		w.tutor.ID, now, now).Scan(context.Background(), &vid))
	ta.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/ko/", vid), captionsKO,
		append(as(w.tutor), "Content-Type", "text/vtt")...).Status(200)
	ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", vid), map[string]any{"topic_id": w.video},
		as(w.tutor)...).Status(204)
	ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", w.course),
		map[string]any{"email": "learner@example.com", "reason": "테스트"}, as(w.tutor)...).Status(201)

	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"title": "고급 함수형", "category": "frontend",
		"skill_level": "advanced", "price": 50000, "status": "published",
		"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
			{"title": "클로저 심화", "kind": "article", "is_premium": true,
				"body": "클로저 심화: " + secretMarker + " 클로저는 비공개 상태를 만들어요."}}}}},
		as(w.tutor)...).Status(201).JSON(&c)
	w.secretCourse, w.secretTopic = c.ID, c.Lectures[0].Topics[0].ID
	return w
}

// fakeLLM is an OpenAI-compatible chat completions server: it records the
// requests and answers with the documented chunk bytes, then [DONE].
type fakeLLM struct {
	*httptest.Server
	mu        sync.Mutex
	requests  []chatRequest
	chunks    []string
	status    int           // non-200: answer this with an error envelope
	failFirst int           // answer the first failFirst requests 503
	hang      bool          // after the first chunk, wait for the client to go away
	cancelled chan struct{} // closed when a hanging request's context ends
	usage     bool
}

type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens int `json:"max_tokens"`
}

func (r chatRequest) prompt() string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Role + ": " + m.Content + "\n")
	}
	return b.String()
}

func newFakeLLM(t *testing.T, chunks ...string) *fakeLLM {
	f := &fakeLLM{chunks: chunks, status: 200, cancelled: make(chan struct{}), usage: true}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		http.NotFound(w, r)
		return
	}
	var req chatRequest
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &req)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	status, chunks, hang, usage := f.status, f.chunks, f.hang, f.usage
	if len(f.requests) <= f.failFirst {
		status = http.StatusServiceUnavailable
	}
	f.mu.Unlock()
	if status != 200 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	write := func(s string) { _, _ = io.WriteString(w, s); fl.Flush() }
	write(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n")
	for i, c := range chunks {
		b, _ := json.Marshal(c)
		write(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":` + string(b) + `},"finish_reason":null}]}` + "\n\n")
		if hang && i == 0 {
			select {
			case <-r.Context().Done():
				close(f.cancelled)
			case <-time.After(30 * time.Second):
			}
			return
		}
	}
	write(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n")
	if usage {
		write(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150}}` + "\n\n")
	}
	write("data: [DONE]\n\n")
}

func (f *fakeLLM) last(t *testing.T) chatRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the model was never asked")
	}
	return f.requests[len(f.requests)-1]
}

// withLLM points the assistant at f.
func withLLM(f *fakeLLM, adjust ...func(*config.Assistant)) apptest.Option {
	return func(cfg *config.Config, _ *app.Options) {
		cfg.Assistant.BaseURL = f.URL + "/v1"
		cfg.Assistant.Model = "test-model"
		cfg.Assistant.MaxRetries = 0
		for _, a := range adjust {
			a(&cfg.Assistant)
		}
	}
}

// event is one Server-Sent Event.
type event struct {
	Name string
	Data string
}

func parseEvents(t *testing.T, body string) []event {
	t.Helper()
	var out []event
	for _, block := range strings.Split(body, "\n\n") {
		if strings.TrimSpace(block) == "" {
			continue
		}
		var e event
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event: "):
				e.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.Data = strings.TrimPrefix(line, "data: ")
			}
		}
		out = append(out, e)
	}
	return out
}

// answer is an answer's events, decoded.
type answer struct {
	Chunks []string
	Done   *struct {
		ConversationID int64 `json:"conversation_id"`
		MessageID      int64 `json:"message_id"`
		Citations      []struct {
			TopicID      int64  `json:"topic_id"`
			Title        string `json:"title"`
			URL          string `json:"url"`
			Kind         string `json:"kind"`
			VideoSeconds *int   `json:"video_seconds"`
		} `json:"citations"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
			TotalTokens      int `json:"total_tokens"`
		} `json:"usage"`
		Quota struct {
			MessagesLeft int `json:"messages_left"`
		} `json:"quota"`
		ModelReady bool `json:"model_ready"`
	}
	Error *struct{ Code, Message string }
}

func (a answer) text() string { return strings.Join(a.Chunks, "") }

func decodeAnswer(t *testing.T, body string) answer {
	t.Helper()
	var a answer
	for _, e := range parseEvents(t, body) {
		switch e.Name {
		case "chunk":
			var c struct{ Text string }
			testkit.Must(t, json.Unmarshal([]byte(e.Data), &c))
			a.Chunks = append(a.Chunks, c.Text)
		case "done":
			testkit.Must(t, json.Unmarshal([]byte(e.Data), &a.Done))
		case "error":
			testkit.Must(t, json.Unmarshal([]byte(e.Data), &a.Error))
		default:
			t.Fatalf("unexpected event %q", e.Name)
		}
	}
	return a
}

func ask(t *testing.T, ta *apptest.T, u user, body map[string]any) answer {
	t.Helper()
	r := ta.Request(http.MethodPost, "/api/assistant/ask/", body, as(u)...).Status(200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	return decodeAnswer(t, string(r.Body))
}

// readEvent reads one event from a live stream.
func readEvent(t *testing.T, br *bufio.Reader) event {
	t.Helper()
	var e event
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			return e
		case strings.HasPrefix(line, "event: "):
			e.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			e.Data = strings.TrimPrefix(line, "data: ")
		}
	}
}
