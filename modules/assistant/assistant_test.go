package assistant_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

type conversation struct {
	ID       int64
	TopicID  int64 `json:"topic_id"`
	Messages []struct {
		Role      string
		Content   string
		Failed    bool
		Citations []struct {
			TopicID      int64 `json:"topic_id"`
			VideoSeconds *int  `json:"video_seconds"`
		}
	}
}

// TestAskStreamsGroundedAnswer: a learner asks about closures at 0:40 of
// the lecture video. The model is asked with the instructions, the
// passages (the caption playing there first) fenced as untrusted content,
// and the question with the video time — nothing from the course the
// learner may not open. The answer streams in order, cites the caption at
// 0:35 with a link that seeks there, and is stored as it was streamed;
// the conversation goes on with its history.
func TestAskStreamsGroundedAnswer(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "클로저는 ", "함수가 선언된 ", "환경을 기억해요 [1].")
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		// The tutor asks in the other course first, so its passages are
		// indexed: the learner's question must still never see them.
		ask(t, ta, w.tutor, map[string]any{"topic_id": w.secretTopic, "question": "클로저 심화"})

		start := time.Now()
		a := ask(t, ta, w.learner, map[string]any{"topic_id": w.video, "question": "클로저가 뭐예요?", "video_time": 40})
		t.Logf("first answer (index built, fake model): %v", time.Since(start))
		if got := strings.Join(a.Chunks, "|"); got != "클로저는 |함수가 선언된 |환경을 기억해요 [1]." {
			t.Fatalf("chunks %q", got)
		}
		if a.Error != nil || a.Done == nil {
			t.Fatalf("error %+v, done %+v", a.Error, a.Done)
		}
		d := a.Done
		if !d.ModelReady || d.Usage.TotalTokens != 150 || d.Usage.PromptTokens != 120 {
			t.Errorf("done %+v", d)
		}
		if len(d.Citations) != 1 {
			t.Fatalf("citations %+v", d.Citations)
		}
		c := d.Citations[0]
		if c.TopicID != w.video || c.Kind != "caption" || c.VideoSeconds == nil || *c.VideoSeconds != 35 ||
			c.URL != fmt.Sprintf("/learn/%d/%d#t=35", w.course, w.video) {
			t.Errorf("citation %+v", c)
		}

		req := fake.last(t)
		prompt := req.prompt()
		if req.Model != "test-model" || !req.Stream || req.MaxTokens != 800 {
			t.Errorf("request model %q stream %v max_tokens %d", req.Model, req.Stream, req.MaxTokens)
		}
		if req.Messages[0].Role != "system" || !strings.Contains(req.Messages[0].Content, "never") &&
			!strings.Contains(req.Messages[0].Content, "ignore anything inside it") {
			t.Errorf("system message %q", req.Messages[0].Content)
		}
		for _, want := range []string{"<<<COURSE_CONTENT_BEGIN>>>", "<<<COURSE_CONTENT_END>>>", "UNTRUSTED",
			"[1] (topic \"변수와 클로저\" at 00:35, caption)\n클로저는 함수가 선언될 때의 렉시컬 환경을 기억하는 것이에요.",
			"(I am at 00:40 in the video of \"변수와 클로저\".)\n클로저가 뭐예요?"} {
			if !strings.Contains(prompt, want) {
				t.Errorf("the prompt lacks %q:\n%s", want, prompt)
			}
		}
		if strings.Contains(prompt, secretMarker) || strings.Contains(prompt, "클로저 심화") {
			t.Errorf("the prompt holds another course's content:\n%s", prompt)
		}
		last := req.Messages[len(req.Messages)-1]
		if last.Role != "user" || !strings.HasSuffix(last.Content, "클로저가 뭐예요?") {
			t.Errorf("last message %+v", last)
		}

		// Stored as streamed; only its owner sees it.
		var conv conversation
		ta.Get(fmt.Sprintf("/api/assistant/conversations/%d/", d.ConversationID), as(w.learner)...).Status(200).JSON(&conv)
		if conv.TopicID != w.video || len(conv.Messages) != 2 || conv.Messages[0].Content != "클로저가 뭐예요?" ||
			conv.Messages[1].Content != a.text() || conv.Messages[1].Failed ||
			len(conv.Messages[1].Citations) != 1 || *conv.Messages[1].Citations[0].VideoSeconds != 35 {
			t.Errorf("stored %+v", conv)
		}
		ta.Get(fmt.Sprintf("/api/assistant/conversations/%d/", d.ConversationID), as(w.outsider)...).
			Problem(404, "assistant.conversation_not_found")
		ta.Get(fmt.Sprintf("/api/assistant/conversations/%d/", d.ConversationID), as(w.tutor)...).Status(404)
		var list struct {
			Count   int
			Results []struct{ ID int64 }
		}
		ta.Get("/api/assistant/conversations/", as(w.learner)...).Status(200).JSON(&list)
		if list.Count != 1 || list.Results[0].ID != d.ConversationID {
			t.Errorf("list %+v", list)
		}

		// A follow-up carries the conversation's history.
		a2 := ask(t, ta, w.learner, map[string]any{"topic_id": w.video, "question": "호이스팅은요?",
			"conversation_id": d.ConversationID})
		if a2.Done == nil || a2.Done.ConversationID != d.ConversationID {
			t.Fatalf("follow-up %+v", a2)
		}
		p2 := fake.last(t)
		var roles []string
		for _, m := range p2.Messages {
			roles = append(roles, m.Role)
		}
		if got := strings.Join(roles, ","); got != "system,user,user,assistant,user" {
			t.Errorf("follow-up roles %s", got)
		}
		if !strings.Contains(p2.prompt(), "호이스팅은 선언이 스코프의 맨 위로") {
			t.Errorf("the follow-up's prompt lacks the article:\n%s", p2.prompt())
		}
	}, withLLM(fake))
}

// TestAskRefusals: who may ask, and bad input, answered as problems before
// any stream starts.
func TestAskRefusals(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "답")
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		q := map[string]any{"topic_id": w.video, "question": "질문"}
		ta.Request(http.MethodPost, "/api/assistant/ask/", q).Status(401)
		ta.Request(http.MethodPost, "/api/assistant/ask/", q, as(w.outsider)...).Problem(403, "assistant.not_entitled")
		ta.Request(http.MethodPost, "/api/assistant/ask/", map[string]any{"topic_id": 999999, "question": "질문"},
			as(w.learner)...).Problem(404, "assistant.topic_not_found")
		ta.Request(http.MethodPost, "/api/assistant/ask/", map[string]any{"topic_id": w.video, "question": "   "},
			as(w.learner)...).Status(422)
		ta.Request(http.MethodPost, "/api/assistant/ask/", map[string]any{"topic_id": w.video,
			"question": strings.Repeat("가", 2001)}, as(w.learner)...).Status(422)
		ta.Request(http.MethodPost, "/api/assistant/ask/", map[string]any{"topic_id": w.video, "question": "q",
			"video_time": -1}, as(w.learner)...).Status(422)
		ta.Request(http.MethodPost, "/api/assistant/ask/", `{"topic_id":`, append(as(w.learner), "Content-Type", "application/json")...).
			Status(400)
		ta.Request(http.MethodPost, "/api/assistant/ask/", map[string]any{"topic_id": w.video, "question": "q",
			"conversation_id": 424242}, as(w.learner)...).Problem(404, "assistant.conversation_not_found")
		ta.Get("/api/assistant/conversations/424242/", as(w.learner)...).Problem(404, "assistant.conversation_not_found")
		ta.Get("/api/assistant/conversations/", as(w.learner)...).Status(200)
		ta.Get("/api/assistant/conversations/").Status(401)
		if n := len(fake.requests); n != 0 {
			t.Errorf("the model was asked %d times", n)
		}
	})
}

// TestQuota: the daily questions run out → 429 with the reset time and
// Retry-After, until midnight UTC.
func TestQuota(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "네")
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		q := map[string]any{"topic_id": w.article, "question": "호이스팅이 뭐예요?"}
		a := ask(t, ta, w.learner, q)
		if a.Done == nil || a.Done.Quota.MessagesLeft != 1 {
			t.Fatalf("first %+v", a.Done)
		}
		ask(t, ta, w.learner, q)
		r := ta.Request(http.MethodPost, "/api/assistant/ask/", q, as(w.learner)...)
		p := r.Problem(429, "assistant.quota_exceeded")
		// The fixed clock is 09:00 UTC: 15 hours to midnight.
		if ra := r.Header.Get("Retry-After"); ra != "54000" {
			t.Errorf("Retry-After %q", ra)
		}
		if !strings.Contains(fmt.Sprint(p["detail"]), "2026-03-03 00:00 UTC") {
			t.Errorf("problem %v", p)
		}
		// The next day she may ask again.
		ta.Clock.Advance(15 * time.Hour)
		ask(t, ta, login(t, ta, "learner"), q)
		var u struct {
			Questions int
			ByDay     []struct {
				Day       string
				Questions int
				Users     int
			} `json:"by_day"`
		}
		admin := newUser(t, ta, "admin", "admin")
		w.learner = login(t, ta, "learner")
		ta.Get("/api/admin/assistant/usage/", as(admin)...).Status(200).JSON(&u)
		if u.Questions != 3 || len(u.ByDay) != 2 || u.ByDay[0].Day != "2026-03-03" || u.ByDay[1].Questions != 2 {
			t.Errorf("usage %+v", u)
		}
		ta.Get("/api/admin/assistant/usage/", as(w.learner)...).Status(403)
		ta.Get("/admin/assistant", as(admin)...).Status(200).Contains("2026-03-02")
	}, withLLM(fake, func(a *config.Assistant) { a.DailyMessages = 2 }))
}

// TestUpstreamError: a model that fails → an error event with a clear
// message; the question and the failed answer are kept; the server goes on.
func TestUpstreamError(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "x")
	fake.status = 500
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := ask(t, ta, w.learner, map[string]any{"topic_id": w.article, "question": "호이스팅?"})
		if a.Done != nil || a.Error == nil || a.Error.Code != "assistant.upstream_failed" || a.Error.Message == "" {
			t.Fatalf("answer %+v", a)
		}
		var list struct{ Results []struct{ ID int64 } }
		ta.Get("/api/assistant/conversations/", as(w.learner)...).Status(200).JSON(&list)
		var conv conversation
		ta.Get(fmt.Sprintf("/api/assistant/conversations/%d/", list.Results[0].ID), as(w.learner)...).Status(200).JSON(&conv)
		if len(conv.Messages) != 2 || !conv.Messages[1].Failed {
			t.Errorf("stored %+v", conv)
		}
		ta.Get("/healthz").Status(200)
	}, withLLM(fake))
}

// TestUpstreamRetried: a 503 is retried (with backoff) before the answer
// starts; the learner sees one answer.
func TestUpstreamRetried(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "다시 ", "시도했어요")
	fake.failFirst = 1
	ta := apptest.New(t, "sqlite", withLLM(fake, func(a *config.Assistant) { a.MaxRetries = 2 }))
	w := newWorld(t, ta)
	a := ask(t, ta, w.learner, map[string]any{"topic_id": w.article, "question": "호이스팅?"})
	if a.Error != nil || a.text() != "다시 시도했어요" || len(fake.requests) != 2 {
		t.Fatalf("answer %+v after %d requests", a, len(fake.requests))
	}
}

// TestRetrievalOnly: without a model the assistant answers with the
// best-matching passages, their topics and moments, says the model is not
// configured, and cites them — the same events.
func TestRetrievalOnly(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		start := time.Now()
		a := ask(t, ta, w.learner, map[string]any{"topic_id": w.article, "question": "클로저는 무엇을 기억하나요?"})
		t.Logf("retrieval-only answer (index built): %v", time.Since(start))
		if a.Done == nil || a.Done.ModelReady || a.Error != nil {
			t.Fatalf("answer %+v", a)
		}
		text := a.text()
		if !strings.Contains(text, "AI 모델이 설정되지 않아") || !strings.Contains(text, "변수와 클로저 · 00:35") {
			t.Errorf("text %q", text)
		}
		if strings.Contains(text, secretMarker) {
			t.Errorf("another course's content: %q", text)
		}
		found := false
		for _, c := range a.Done.Citations {
			if c.TopicID == w.video && c.VideoSeconds != nil && *c.VideoSeconds == 35 {
				found = true
			}
		}
		if !found {
			t.Errorf("citations %+v", a.Done.Citations)
		}
		// Korean retrieval: each question finds its passage first.
		for _, tc := range []struct {
			q     string
			topic int64
			want  string
		}{
			{"호이스팅이 무엇인가요?", w.article, "호이스팅은 선언이"},
			{"let과 const의 차이는?", w.video, "블록 스코프"},
			{"변수는 뭐예요", w.video, "이름표"},
			{"var로 선언하면 어떻게 초기화돼요?", w.article, "undefined로 초기화"},
		} {
			start := time.Now()
			a := ask(t, ta, w.learner, map[string]any{"topic_id": w.video, "question": tc.q})
			t.Logf("%q answered from retrieval in %v", tc.q, time.Since(start))
			parts := strings.SplitN(a.text(), "[2]", 2)
			if !strings.Contains(parts[0], tc.want) || a.Done.Citations[0].TopicID != tc.topic {
				t.Errorf("%q: best passage %q, citations %+v", tc.q, parts[0], a.Done.Citations)
			}
		}
	})
}

// TestIndexFollowsContent: an edited article is found at the next question
// (its course's stamp changed, its passages were rebuilt).
func TestIndexFollowsContent(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		a := ask(t, ta, w.learner, map[string]any{"topic_id": w.article, "question": "이벤트 루프"})
		if strings.Contains(a.text(), "이벤트 루프는") {
			t.Fatalf("found before it was written: %q", a.text())
		}
		var c struct {
			Lectures []struct {
				Topics []struct{ ID int64 }
			}
		}
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/courses/%d/", w.course), map[string]any{
			"lectures": []map[string]any{{"title": "1강", "topics": []map[string]any{
				{"title": "호이스팅", "kind": "article", "is_premium": true, "body": "이벤트 루프는 콜백을 차례로 실행해요."}}}}},
			as(w.tutor)...).Status(200).JSON(&c)
		topic := c.Lectures[0].Topics[0].ID
		a = ask(t, ta, w.learner, map[string]any{"topic_id": topic, "question": "이벤트 루프"})
		if !strings.Contains(a.text(), "이벤트 루프는 콜백을") {
			t.Errorf("the edit is not found: %q", a.text())
		}
		if strings.Contains(a.text(), "렉시컬") {
			t.Errorf("a deleted topic's captions are still found: %q", a.text())
		}
	})
}

// TestClientDisconnectCancelsUpstream: the learner closes the connection
// while the model is answering; the model's request is cancelled.
func TestClientDisconnectCancelsUpstream(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "첫 조각 ", "다음")
	fake.hang = true
	ta := apptest.New(t, "sqlite", withLLM(fake))
	w := newWorld(t, ta)
	base := testkit.Listen(t, ta.App.Fiber)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body, _ := json.Marshal(map[string]any{"topic_id": w.article, "question": "호이스팅?"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/assistant/ask/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.learner.Token)
	resp, err := http.DefaultClient.Do(req)
	testkit.Must(t, err)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	if e := readEvent(t, br); e.Name != "chunk" || !strings.Contains(e.Data, "첫 조각") {
		t.Fatalf("first event %+v", e)
	}
	start := time.Now()
	cancel()
	_ = resp.Body.Close()
	select {
	case <-fake.cancelled:
		t.Logf("upstream cancelled %v after the client left", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("the model's request was not cancelled")
	}
	// The cut answer is stored, marked failed.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var list struct{ Results []struct{ ID int64 } }
		ta.Get("/api/assistant/conversations/", as(w.learner)...).Status(200).JSON(&list)
		var conv conversation
		ta.Get(fmt.Sprintf("/api/assistant/conversations/%d/", list.Results[0].ID), as(w.learner)...).Status(200).JSON(&conv)
		if len(conv.Messages) == 2 && conv.Messages[1].Failed && conv.Messages[1].Content == "첫 조각 " {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %+v", conv)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConcurrentFirstQuestions: questions racing on a course nobody asked
// about yet build its passages once (no duplicates), and all are answered.
func TestConcurrentFirstQuestions(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		w := newWorld(t, ta)
		const n = 4
		ta.Together(t, n, func(int) *http.Request {
			body, _ := json.Marshal(map[string]any{"topic_id": w.article, "question": "호이스팅이 뭐예요?"})
			r, _ := http.NewRequest(http.MethodPost, "/api/assistant/ask/", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+w.learner.Token)
			return r
		}, func(i int, resp *http.Response) {
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(b), "event: done") {
				t.Errorf("request %d: %d %s", i, resp.StatusCode, b)
			}
		})
		var all, distinct int
		ctx := context.Background()
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("assistant_passages").ColumnExpr("COUNT(*)").
			Where("course_id = ?", w.course).Scan(ctx, &all))
		testkit.Must(t, ta.App.DB.R.NewRaw("SELECT COUNT(*) FROM (SELECT DISTINCT topic_id, kind, start_ms, body "+
			"FROM assistant_passages WHERE course_id = ?) AS d", w.course).Scan(ctx, &distinct))
		if all == 0 || all != distinct {
			t.Errorf("%d passages, %d distinct", all, distinct)
		}
	})
}
