package media

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clientgone"
	"github.com/weaverse/weaverse/platform/httpx"
)

var tags = []string{"Materials"}

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}
type imageOutput struct{ Body Image }
type imagesOutput struct{ Body httpx.Page[Image] }
type videoOutput struct{ Body Video }
type videosOutput struct{ Body httpx.Page[Video] }
type playbackOutput struct{ Body Playback }
type listInput struct{ httpx.PageParams }
type imageUpdateInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Alt      string `json:"alt" maxLength:"300" doc:"Alternative text for screen readers."`
		CourseID int64  `json:"course_id,omitempty" minimum:"0" doc:"Make the image the picture (thumbnail) of this course, which the caller may edit."`
	}
}
type videoUpdateInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Title string `json:"title" maxLength:"200"`
	}
}
type captionsInput struct {
	ID      int64  `path:"id" minimum:"1"`
	Lang    string `path:"lang" maxLength:"35" doc:"BCP 47 language tag, e.g. ko or en-US."`
	Label   string `query:"label" maxLength:"60" doc:"The name the player shows; default: the language's own name."`
	RawBody []byte `contentType:"text/vtt"`
}
type captionsDeleteInput struct {
	ID   int64  `path:"id" minimum:"1"`
	Lang string `path:"lang" maxLength:"35"`
}
type attachInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		TopicID  int64 `json:"topic_id,omitempty" doc:"A video topic of a course the caller may edit."`
		CourseID int64 `json:"course_id,omitempty" doc:"A course whose intro video this becomes."`
	}
}

// routes mounts the JSON API (huma) and the two streaming upload endpoints
// and the signed playlists (plain Fiber: multipart streams and playlists are
// not JSON).
func (m *Module) routes(api huma.API, r fiber.Router) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{httpx.Authenticated(api)}
	videoGuard := huma.Middlewares{httpx.Require(api, m.authz, "media.video", "manage")}

	r.Post("/api/images/upload", m.uploadImage)
	r.Post("/api/videos/upload", m.uploadVideo)
	r.Get(playlistPrefix+"*", s.servePlaylist)
	r.Get(imagePath+":id/:variant", s.serveImage)
	documentPlainRoutes(api)

	huma.Register(api, huma.Operation{OperationID: "list-images", Method: http.MethodGet, Path: "/api/images",
		Summary: "My images (admins: all)", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401}},
		func(ctx context.Context, in *listInput) (*imagesOutput, error) {
			items, n, err := s.ListImages(ctx, authz.PrincipalFrom(ctx), in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &imagesOutput{httpx.NewPage(ctx, in.PageParams, n, items)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-image", Method: http.MethodGet, Path: "/api/images/{id}",
		Summary: "An image", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 404}},
		func(ctx context.Context, in *idInput) (*imageOutput, error) {
			img, err := s.GetImage(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &imageOutput{img}, err
		})
	huma.Register(api, huma.Operation{OperationID: "update-image", Method: http.MethodPut, Path: "/api/images/{id}",
		Summary: "Change an image's alt text, or the course it illustrates", Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 403, 404, 422}},
		func(ctx context.Context, in *imageUpdateInput) (*imageOutput, error) {
			img, err := s.UpdateImage(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body.Alt, in.Body.CourseID)
			return &imageOutput{img}, err
		})
	huma.Register(api, huma.Operation{OperationID: "delete-image", Method: http.MethodDelete, Path: "/api/images/{id}",
		Summary: "Delete an image", Tags: tags, Security: bearer, Middlewares: authed, DefaultStatus: http.StatusNoContent, Errors: []int{401, 404, 409},
		Description: "409 media.in_use while a course shows it as its picture."},
		func(ctx context.Context, in *idInput) (*struct{}, error) {
			return nil, s.DeleteImage(ctx, authz.PrincipalFrom(ctx), in.ID)
		})

	huma.Register(api, huma.Operation{OperationID: "list-videos", Method: http.MethodGet, Path: "/api/videos",
		Summary: "My videos (admins: all)", Tags: tags, Security: bearer, Middlewares: videoGuard, Errors: []int{401, 403}},
		func(ctx context.Context, in *listInput) (*videosOutput, error) {
			items, n, err := s.ListVideos(ctx, authz.PrincipalFrom(ctx), in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &videosOutput{httpx.NewPage(ctx, in.PageParams, n, items)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-video", Method: http.MethodGet, Path: "/api/videos/{id}",
		Summary: "A video and its processing status", Tags: tags, Security: bearer, Middlewares: videoGuard, Errors: []int{401, 403, 404}},
		func(ctx context.Context, in *idInput) (*videoOutput, error) {
			v, err := s.GetVideo(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &videoOutput{v}, err
		})
	huma.Register(api, huma.Operation{OperationID: "update-video", Method: http.MethodPut, Path: "/api/videos/{id}",
		Summary: "Rename a video", Tags: tags, Security: bearer, Middlewares: videoGuard, Errors: []int{401, 403, 404, 422}},
		func(ctx context.Context, in *videoUpdateInput) (*videoOutput, error) {
			v, err := s.UpdateVideo(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body.Title)
			return &videoOutput{v}, err
		})
	huma.Register(api, huma.Operation{OperationID: "delete-video", Method: http.MethodDelete, Path: "/api/videos/{id}",
		Summary: "Delete a video", Tags: tags, Security: bearer, Middlewares: videoGuard, DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404, 409},
		Description: "409 media.in_use while a course plays it (a topic's video, an intro): detach it first."},
		func(ctx context.Context, in *idInput) (*struct{}, error) {
			return nil, s.DeleteVideo(ctx, authz.PrincipalFrom(ctx), in.ID)
		})
	huma.Register(api, huma.Operation{OperationID: "attach-video", Method: http.MethodPost, Path: "/api/videos/{id}/attach",
		Summary: "Use a video on a topic or as a course intro", Tags: tags, Security: bearer, Middlewares: videoGuard,
		DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404, 422},
		Description: "The video must be the caller's; the course must be one the caller may edit."},
		func(ctx context.Context, in *attachInput) (*struct{}, error) {
			return nil, s.Attach(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body.TopicID, in.Body.CourseID)
		})
	huma.Register(api, huma.Operation{OperationID: "put-video-captions", Method: http.MethodPut, Path: "/api/videos/{id}/captions/{lang}",
		Summary: "Add or replace a video's captions in one language", Tags: tags, Security: bearer, Middlewares: videoGuard,
		MaxBodyBytes: MaxCaptionBytes + 1024, Errors: []int{401, 403, 404, 409, 413, 415, 422},
		Description: "The body is a WebVTT file (text/vtt, UTF-8, at most 512 KiB). Players list the tracks of GET …/playback/."},
		func(ctx context.Context, in *captionsInput) (*videoOutput, error) {
			v, err := s.SetCaptions(ctx, authz.PrincipalFrom(ctx), in.ID, in.Lang, in.Label, in.RawBody)
			return &videoOutput{v}, err
		})
	huma.Register(api, huma.Operation{OperationID: "delete-video-captions", Method: http.MethodDelete, Path: "/api/videos/{id}/captions/{lang}",
		Summary: "Remove a video's captions in one language", Tags: tags, Security: bearer, Middlewares: videoGuard,
		DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404, 422}},
		func(ctx context.Context, in *captionsDeleteInput) (*struct{}, error) {
			return nil, s.DeleteCaptions(ctx, authz.PrincipalFrom(ctx), in.ID, in.Lang)
		})
	huma.Register(api, huma.Operation{OperationID: "video-playback", Method: http.MethodGet, Path: "/api/videos/{id}/playback",
		Summary: "Signed playback URLs", Tags: tags, Errors: []int{401, 404, 409},
		Description: "For entitled viewers (anyone for a free topic or a course intro): signed, expiring URLs of the HLS master playlist (its playlists and segments are signed too), an MP4 fallback and the poster."},
		func(ctx context.Context, in *idInput) (*playbackOutput, error) {
			pb, err := s.Playback(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &playbackOutput{pb}, err
		})
}

// closeOnError ends the connection after a refused upload: the rest of the
// body was not read, and must not be parsed as the next request.
func closeOnError(c *fiber.Ctx, err *error) {
	if *err != nil {
		c.Context().SetConnectionClose()
	}
}

// uploadImage is POST /api/images/upload (multipart "file", optional "alt").
func (m *Module) uploadImage(c *fiber.Ctx) (err error) {
	defer closeOnError(c, &err)
	p := authz.PrincipalFrom(c.UserContext())
	if err := m.authz.Check(p, "media.image", "create"); err != nil {
		return err
	}
	file, fields, err := filePart(c)
	if err != nil {
		return err
	}
	// Decoding an image takes seconds: stop if the client goes away.
	ctx, stop := clientgone.Watch(c.UserContext(), c.Context().Conn())
	defer stop()
	img, err := m.svc.UploadImage(ctx, p, file, fields["alt"])
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(img)
}

// uploadVideo is POST /api/videos/upload (multipart "file", optional
// "title"), for tutors and admins: 202 with status "processing".
func (m *Module) uploadVideo(c *fiber.Ctx) (err error) {
	defer closeOnError(c, &err)
	p := authz.PrincipalFrom(c.UserContext())
	if err := m.authz.Check(p, "media.video", "manage"); err != nil {
		return err
	}
	file, fields, err := filePart(c)
	if err != nil {
		return err
	}
	v, err := m.svc.UploadVideo(c.UserContext(), p, file, fields["title"])
	if err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(v)
}
