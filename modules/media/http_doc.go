package media

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// documentPlainRoutes describes in the OpenAPI document the routes mounted
// on Fiber directly (uploads stream their multipart bodies; images and
// playlists are not JSON), which huma does not see: a client written from
// the document finds every route it may call. Resumable uploads (tus) are
// described by the tus protocol itself.
func documentPlainRoutes(api huma.API) {
	oapi := api.OpenAPI()
	reg := oapi.Components.Schemas
	ref := func(v any) *huma.Schema { return reg.Schema(reflect.TypeOf(v), true, "") }
	errType := reflect.TypeOf(huma.NewError(0, ""))
	for errType.Kind() == reflect.Pointer {
		errType = errType.Elem()
	}
	problem := reg.Schema(errType, true, "Error")
	responses := func(ok int, okResp *huma.Response, errs ...int) map[string]*huma.Response {
		out := map[string]*huma.Response{strconv.Itoa(ok): okResp}
		for _, code := range append(errs, http.StatusInternalServerError) {
			out[strconv.Itoa(code)] = &huma.Response{Description: http.StatusText(code),
				Content: map[string]*huma.MediaType{"application/problem+json": {Schema: problem}}}
		}
		return out
	}
	jsonResp := func(desc string, s *huma.Schema) *huma.Response {
		return &huma.Response{Description: desc, Content: map[string]*huma.MediaType{"application/json": {Schema: s}}}
	}
	multipart := func(fields map[string]*huma.Schema) *huma.RequestBody {
		props := map[string]*huma.Schema{"file": {Type: "string", Format: "binary", Description: "The file."}}
		for k, v := range fields {
			props[k] = v
		}
		return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"multipart/form-data": {
			Schema: &huma.Schema{Type: "object", Required: []string{"file"}, Properties: props}}}}
	}
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	signed := []*huma.Param{
		{Name: "exp", In: "query", Required: true, Description: "Expiry (Unix seconds), as signed.", Schema: &huma.Schema{Type: "string"}},
		{Name: "sig", In: "query", Required: true, Description: "The signature.", Schema: &huma.Schema{Type: "string"}},
	}

	oapi.AddOperation(&huma.Operation{OperationID: "upload-image", Method: http.MethodPost, Path: "/api/images/upload",
		Summary: "Upload an image", Tags: tags, Security: bearer,
		Description: "A JPEG, PNG, GIF or WebP image (at most 10 MB and 40 megapixels), re-encoded into variants without " +
			"its metadata. 413 media.image_too_large, 415 media.image_unsupported, 422 media.image_corrupt (a damaged or " +
			"truncated file); 503 media.busy with Retry-After when too many images are being decoded.",
		RequestBody: multipart(map[string]*huma.Schema{"alt": {Type: "string", MaxLength: ptr(300), Description: "Alternative text for screen readers."}}),
		Responses:   responses(http.StatusCreated, jsonResp("Created", ref(Image{})), 400, 401, 403, 413, 415, 422, 503)})
	oapi.AddOperation(&huma.Operation{OperationID: "upload-video", Method: http.MethodPost, Path: "/api/videos/upload",
		Summary: "Upload a video (tutors and admins)", Tags: tags, Security: bearer,
		Description: "An MP4, MOV, M4V, MKV, WebM or AVI video, answered 202 with status \"processing\" at once; poll " +
			"GET /api/videos/{id} until it is \"ready\" or \"failed\" (with the reason). Large files: use resumable uploads (tus).",
		RequestBody: multipart(map[string]*huma.Schema{"title": {Type: "string", MaxLength: ptr(200)}}),
		Responses:   responses(http.StatusAccepted, jsonResp("Accepted", ref(Video{})), 400, 401, 403, 413, 415, 422, 503)})
	variant := &huma.Operation{OperationID: "image-variant", Method: http.MethodGet, Path: "/images/{id}/{variant}",
		Summary: "An image's variant, at a stable address", Tags: tags,
		Description: "For the image's owner, admins and whoever may see a course it illustrates; others get 404.",
		Parameters: []*huma.Param{
			{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "integer", Format: "int64", Minimum: ptr(1.0)}},
			{Name: "variant", In: "path", Required: true, Schema: &huma.Schema{Type: "string", Enum: []any{"original", "display", "thumbnail"}}},
		},
		Responses: responses(http.StatusOK, &huma.Response{Description: "The image", Content: map[string]*huma.MediaType{
			"image/jpeg": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			"image/png":  {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}, 404)}
	variant.Parameters = append(variant.Parameters, &huma.Param{Name: "If-None-Match", In: "header", Schema: &huma.Schema{Type: "string"}})
	variant.Responses["304"] = &huma.Response{Description: "Not Modified (If-None-Match matched the ETag)"}
	oapi.AddOperation(variant)
	oapi.AddOperation(&huma.Operation{OperationID: "video-master-playlist", Method: http.MethodGet, Path: "/media/hls/{id}/master.m3u8",
		Summary: "A video's HLS master playlist (signed URL)", Tags: tags,
		Description: "The hls_url of GET /api/videos/{id}/playback. Every playlist and segment it lists is a signed URL " +
			"with the same expiry. 403 media.url_expired after expires_at (fetch playback again), 403 media.signature_invalid otherwise.",
		Parameters: append([]*huma.Param{{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "integer", Format: "int64", Minimum: ptr(1.0)}}}, signed...),
		Responses: responses(http.StatusOK, &huma.Response{Description: "The playlist", Content: map[string]*huma.MediaType{
			"application/vnd.apple.mpegurl": {Schema: &huma.Schema{Type: "string"}},
		}}, 403, 404)})
}

func ptr[T any](v T) *T { return &v }
