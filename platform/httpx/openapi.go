package httpx

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// DocumentPlatformResponses adds to every operation of the document the
// problems the HTTP platform itself answers before, around or instead of
// the handler, so the document lists every status a client may receive:
//
//   - 400 request.invalid: a malformed request line, header or body, a NUL
//     byte in the query, a path that decodes to NUL or non-UTF-8 bytes;
//   - 403 request.csrf: an unsafe method (POST, PUT, PATCH, DELETE) from a
//     browser on another origin, authenticated by cookie;
//   - 413 request.too_large: a body over http.body_limit (operations with a
//     request body);
//   - 415 request.unsupported_media_type: a body in a format the operation
//     does not read;
//   - 414 request.uri_too_long and 431 request.headers_too_large;
//   - 503 request.timeout / unavailable, with Retry-After when known.
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
			add(op, http.StatusBadRequest, "the request could not be parsed (malformed request line, header or body, "+
				"a NUL byte in the query, a path that decodes to NUL or to bytes that are not UTF-8). Code request.invalid.")
			if method != http.MethodGet {
				add(op, http.StatusForbidden, "a cross-origin browser request authenticated by cookie. Code request.csrf.")
			}
			if op.RequestBody != nil {
				add(op, http.StatusRequestEntityTooLarge, "the body is over the size limit. Code request.too_large.")
				add(op, http.StatusUnsupportedMediaType, "the body's Content-Type is not one the operation reads. Code request.unsupported_media_type.")
			}
			add(op, http.StatusRequestURITooLong, "the request target is over 8 KiB. Code request.uri_too_long.")
			add(op, http.StatusRequestHeaderFieldsTooLarge, "the request line and headers are over 16 KiB. Code request.headers_too_large.")
			add(op, http.StatusServiceUnavailable, "the request passed its deadline (code request.timeout) or the service "+
				"is temporarily unavailable; Retry-After may tell when to retry.")
		}
	}
}
