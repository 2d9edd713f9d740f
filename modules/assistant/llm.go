package assistant

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// LLM configures the OpenAI-compatible chat completions endpoint.
type LLM struct {
	// BaseURL is the API's base ("http://localhost:11434/v1"); "" means no
	// model: answers come from the passages alone.
	BaseURL string
	APIKey  string
	Model   string
	// Timeout bounds one answer from request to last chunk.
	Timeout time.Duration
	// MaxRetries retries 429 and 5xx answers (with backoff) before the
	// stream starts.
	MaxRetries int
	// MaxTokens caps an answer, sent as MaxTokensField ("max_tokens" or
	// "max_completion_tokens").
	MaxTokens      int
	MaxTokensField string
	Temperature    float64
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
}

// chatMessage is one message of a prompt.
type chatMessage struct {
	Role    string // system, user, assistant
	Content string
}

// tokenUsage is what an answer cost.
type tokenUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// chatModel streams an answer: onDelta receives its text as it arrives.
type chatModel interface {
	Stream(ctx context.Context, msgs []chatMessage, onDelta func(string) error) (tokenUsage, error)
}

// openAIModel is a chatModel over the official openai-go client.
type openAIModel struct {
	client openai.Client
	cfg    LLM
}

func newOpenAIModel(cfg LLM) *openAIModel {
	key := cfg.APIKey
	if key == "" {
		key = "none" // Ollama and llama.cpp ignore it; the client wants one
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL), option.WithAPIKey(key), option.WithMaxRetries(cfg.MaxRetries),
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &openAIModel{client: openai.NewClient(opts...), cfg: cfg}
}

// Stream implements chatModel: one streamed chat completion with usage.
func (m *openAIModel) Stream(ctx context.Context, msgs []chatMessage, onDelta func(string) error) (tokenUsage, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	params := openai.ChatCompletionNewParams{
		Model:         m.cfg.Model,
		Temperature:   openai.Float(m.cfg.Temperature),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if m.cfg.MaxTokensField == "max_completion_tokens" {
		params.MaxCompletionTokens = openai.Int(int64(m.cfg.MaxTokens))
	} else {
		params.MaxTokens = openai.Int(int64(m.cfg.MaxTokens))
	}
	for _, msg := range msgs {
		switch msg.Role {
		case "system":
			params.Messages = append(params.Messages, openai.SystemMessage(msg.Content))
		case "assistant":
			params.Messages = append(params.Messages, openai.AssistantMessage(msg.Content))
		default:
			params.Messages = append(params.Messages, openai.UserMessage(msg.Content))
		}
	}
	stream := m.client.Chat.Completions.NewStreaming(ctx, params)
	defer func() { _ = stream.Close() }()
	var u tokenUsage
	for stream.Next() {
		chunk := stream.Current()
		if chunk.Usage.TotalTokens > 0 {
			u = tokenUsage{PromptTokens: int(chunk.Usage.PromptTokens), CompletionTokens: int(chunk.Usage.CompletionTokens),
				TotalTokens: int(chunk.Usage.TotalTokens)}
		}
		for _, c := range chunk.Choices {
			if c.Delta.Content == "" {
				continue
			}
			if err := onDelta(c.Delta.Content); err != nil {
				return u, err
			}
		}
	}
	if err := stream.Err(); err != nil {
		if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
			return u, errors.Join(err, ctx.Err())
		}
		return u, err
	}
	return u, nil
}

// upstreamStatus is the HTTP status an upstream refusal carried (0: none,
// the connection failed or the stream broke).
func upstreamStatus(err error) int {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}
