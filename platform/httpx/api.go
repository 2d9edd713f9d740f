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
	})
	api = humafiber.New(app, cfg)
	return api
}
