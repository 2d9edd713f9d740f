package httpx

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// DocumentPlatformResponses adds to every operation of the document the
// problems the HTTP platform itself answers before or around the handler,
// so the document lists every status a client may receive:
//
//   - 400 request.invalid: a query with a NUL byte, a body that cannot be
//     read or parsed;
//   - 403 request.csrf: an unsafe method (POST, PUT, PATCH, DELETE) from a
//     browser on another origin, authenticated by cookie;
//   - 413 request.too_large: a body over http.body_limit (operations with a
//     request body);
//   - 503 request.timeout: the request ran out of http.request_timeout.
//
// Call it once every module's operations are registered. A status an
// operation already documents is left as it is.
func DocumentPlatformResponses(api huma.API) {
	oapi := api.OpenAPI()
	problem := oapi.Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "Problem")
	add := func(op *huma.Operation, status int, why string) {
		if op.Responses == nil {
			op.Responses = map[string]*huma.Response{}
		}
		code := strconv.Itoa(status)
		if _, ok := op.Responses[code]; ok {
			return
		}
		op.Responses[code] = &huma.Response{
			Description: http.StatusText(status) + ": " + why,
			Content:     map[string]*huma.MediaType{ProblemContentType: {Schema: problem}},
		}
	}
	for _, item := range oapi.Paths {
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
			http.MethodDelete: item.Delete, http.MethodPatch: item.Patch,
		} {
			if op == nil {
				continue
			}
			add(op, http.StatusBadRequest, "the request cannot be read (malformed body or query).")
			if method != http.MethodGet {
				add(op, http.StatusForbidden, "a cross-origin browser request authenticated by cookie (CSRF).")
			}
			if op.RequestBody != nil {
				add(op, http.StatusRequestEntityTooLarge, "the body is over the size limit.")
			}
			add(op, http.StatusServiceUnavailable, "the server is busy or the request took too long; retry later.")
		}
	}
}
