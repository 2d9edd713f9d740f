package assistant

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clientgone"
	"github.com/weaverse/weaverse/platform/httpx"
)

var tags = []string{"Assistant"}

// askPath is where questions are asked.
const askPath = "/api/assistant/ask/"

// askWriteTimeout bounds the writing of one streamed answer.
const askWriteTimeout = 15 * time.Minute

// private marks a response with personal data: no cache may keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

type askInput struct {
	Body AskInput
}

type listInput struct {
	TopicID int64 `query:"topic_id" minimum:"0" doc:"Only this topic's."`
	httpx.PageParams
}

type conversationsOutput struct{ Body httpx.Page[Conversation] }

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type conversationOutput struct{ Body *Conversation }

type usageInput struct {
	Days int `query:"days" minimum:"1" maximum:"366" default:"30" doc:"How many days back, today included."`
}

type usageOutput struct{ Body *Usage }

// eventStream documents the answer's events in the OpenAPI document.
const eventStream = "`text/event-stream`: `event: chunk` with `data: {\"text\": \"…\"}` for each piece of the answer in " +
	"order, then `event: done` with `data:` a JSON object (`conversation_id`, `message_id`, `citations` — topic id, " +
	"title, URL, `video_seconds` for captions —, `usage` in tokens, the `quota` left, `model_ready`), or `event: error` " +
	"with `data: {\"code\", \"message\"}` when the model failed (the answer so far is kept, marked failed). Closing " +
	"the connection cancels the request to the model. While the model is silent a `: keep-alive` comment comes every 15 s."

func (m *Module) routes(api huma.API) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{private, httpx.Authenticated(api)}

	huma.Register(api, huma.Operation{
		OperationID: "assistant-ask", Method: http.MethodPost, Path: "/api/assistant/ask",
		Summary: "Ask the assistant about a topic", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 403, 404, 422, 429},
		Description: "For learners entitled to the topic's course (403 `assistant.not_entitled` otherwise). The answer is " +
			"grounded in the course's content (and other courses the caller is entitled to): topic titles, articles, " +
			"video notes and captions, found by full-text search. Without a configured model the answer lists the " +
			"best-matching passages and says the model is not configured. A daily quota of questions and tokens per " +
			"user: 429 `assistant.quota_exceeded` with `Retry-After` and `reset_at`. " + eventStream,
		Responses: map[string]*huma.Response{"200": {Description: "The answer as Server-Sent Events.",
			Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: "string"}}}}},
	}, func(ctx context.Context, in *askInput) (*huma.StreamResponse, error) {
		t, err := s.Prepare(ctx, authz.PrincipalFrom(ctx), in.Body)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) { m.stream(hc, t) }}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "assistant-conversations", Method: http.MethodGet, Path: "/api/assistant/conversations",
		Summary: "My conversations with the assistant", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 422}, Description: "Latest first, without their messages.",
	}, func(ctx context.Context, in *listInput) (*conversationsOutput, error) {
		list, n, err := s.Conversations(ctx, authz.PrincipalFrom(ctx), in.TopicID, in.Limit(), in.Offset())
		if err != nil {
			return nil, err
		}
		return &conversationsOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "assistant-conversation", Method: http.MethodGet, Path: "/api/assistant/conversations/{id}",
		Summary: "One of my conversations with its messages", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 404}, Description: "Another user's conversation is not found (404), whoever asks.",
	}, func(ctx context.Context, in *idInput) (*conversationOutput, error) {
		c, err := s.Conversation(ctx, authz.PrincipalFrom(ctx), in.ID)
		return &conversationOutput{c}, err
	})
	huma.Register(api, huma.Operation{
		OperationID: "assistant-usage", Method: http.MethodGet, Path: "/api/admin/assistant/usage",
		Summary: "The assistant's use (admins)", Tags: tags, Security: bearer,
		Middlewares: huma.Middlewares{private, httpx.Require(api, m.authz, objUsage, "read")},
		Errors:      []int{401, 403, 422},
		Description: "Questions, answers, failed answers, users and tokens per UTC day over the last days, with totals.",
	}, func(ctx context.Context, in *usageInput) (*usageOutput, error) {
		u, err := s.Usage(ctx, authz.PrincipalFrom(ctx), in.Days)
		return &usageOutput{u}, err
	})
}

// stream writes a prepared answer as Server-Sent Events. fasthttp writes a
// streamed body after the handler returns, so the answer runs in the body
// writer, under the request's values but not its deadline, and is
// cancelled when the client closes the connection (clientgone, or a write
// that fails).
func (m *Module) stream(hc huma.Context, t *turn) {
	c := humafiber.Unwrap(hc)
	c.Set("Content-Type", "text/event-stream; charset=utf-8")
	c.Set("Cache-Control", "private, no-store")
	c.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	base := context.WithoutCancel(c.UserContext())
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, stop := clientgone.Watch(base, conn)
		defer stop()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		sink := &sseSink{w: w, cancel: cancel}
		done := make(chan struct{})
		defer close(done)
		go sink.keepAlive(done)
		m.svc.Answer(ctx, t, sink)
	})
}

// keepAliveEvery is how often a comment keeps a quiet stream open while
// the model thinks (proxies close idle connections; a failed write also
// says the client left).
const keepAliveEvery = 15 * time.Second

// keepAlive writes an SSE comment every keepAliveEvery until done.
func (k *sseSink) keepAlive(done <-chan struct{}) {
	tick := time.NewTicker(keepAliveEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			if k.write(": keep-alive\n\n") != nil {
				return
			}
		}
	}
}

// sseSink writes events to a streamed response; the first write that
// fails cancels the answer.
type sseSink struct {
	mu     sync.Mutex
	w      *bufio.Writer
	cancel context.CancelFunc
	failed bool
}

func (k *sseSink) event(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return k.write(fmt.Sprintf("event: %s\ndata: %s\n\n", name, data))
}

// write sends s at once.
func (k *sseSink) write(s string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.failed {
		return context.Canceled
	}
	_, err := k.w.WriteString(s)
	if err == nil {
		err = k.w.Flush()
	}
	if err != nil {
		k.failed = true
		k.cancel()
	}
	return err
}

func (k *sseSink) Chunk(text string) error   { return k.event("chunk", map[string]string{"text": text}) }
func (k *sseSink) Done(d Done) error         { return k.event("done", d) }
func (k *sseSink) Error(e StreamError) error { return k.event("error", e) }
