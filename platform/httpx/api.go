package httpx

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
)

// APIOptions describes the JSON API for its OpenAPI document.
type APIOptions struct {
	Title       string
	Version     string
	Description string
	ServerURL   string
}

// Paths of the generated API description.
const (
	OpenAPIPath = "/api/openapi" // huma serves .json and .yaml
	SchemasPath = "/api/schemas"
)

// NewAPI returns the huma API mounted on app: OpenAPI 3.1 at
// /api/openapi.json, errors as problem documents. Every operation's path is
// absolute ("/api/courses/{id}"); the router is not strict, so a trailing
// slash is optional.
func NewAPI(app *fiber.App, o APIOptions) huma.API {
	installHumaErrors()
	cfg := huma.DefaultConfig(o.Title, o.Version)
	cfg.OpenAPIPath = OpenAPIPath
	cfg.SchemasPath = SchemasPath
	cfg.DocsPath = "" // served by the app from vendored assets: no CDN
	// No $schema links in response bodies: responses are exactly the
	// documented objects.
	cfg.CreateHooks = nil
	cfg.Info.Description = o.Description
	if o.ServerURL != "" {
		cfg.Servers = []*huma.Server{{URL: o.ServerURL}}
	}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An access token from POST /api/login/."},
		"cookie": {Type: "apiKey", In: "cookie", Name: "access_token",
			Description: "The HttpOnly cookie set by the web login; unsafe requests must be same-origin."},
	}
	// Every operation with a request body checks it with JSONBodyGuard
	// after its own middlewares (authentication answers first).
	var api huma.API
	guard := func(ctx huma.Context, next func(huma.Context)) { JSONBodyGuard(api)(ctx, next) }
	cfg.OpenAPI.OnAddOperation = append(cfg.OpenAPI.OnAddOperation, func(_ *huma.OpenAPI, op *huma.Operation) {
		if op.RequestBody != nil {
			op.Middlewares = append(op.Middlewares, guard)
		}
		documentGlobalResponses(op)
	})
	api = humafiber.New(app, cfg)
	return api
}

// globalResponses are the answers any operation may give before (or
// instead of) running: the HTTP layer's refusals and the request deadline.
func globalResponses() map[string]string {
	return map[string]string{
		"400": "Bad Request: the request could not be parsed (malformed request line or header, a body that is not JSON, a NUL byte in the query, a path that decodes to NUL or to bytes that are not UTF-8). Code request.invalid.",
		"414": "URI Too Long: the request target is over 8 KiB. Code request.uri_too_long.",
		"431": "Request Header Fields Too Large: the request line and headers are over 16 KiB. Code request.headers_too_large.",
		"503": "Service Unavailable: the request passed its deadline (code request.timeout) or the service is temporarily unavailable (code unavailable); Retry-After may tell when to retry.",
	}
}

// documentGlobalResponses adds globalResponses to an operation's document,
// with the problem schema huma gave its other errors.
func documentGlobalResponses(op *huma.Operation) {
	var content map[string]*huma.MediaType
	for _, r := range op.Responses {
		if r != nil && r.Content[ProblemContentType] != nil {
			content = map[string]*huma.MediaType{ProblemContentType: r.Content[ProblemContentType]}
			break
		}
	}
	if content == nil {
		return
	}
	for code, desc := range globalResponses() {
		if _, ok := op.Responses[code]; !ok {
			op.Responses[code] = &huma.Response{Description: desc, Content: content}
		}
	}
}
