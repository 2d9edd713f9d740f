package media

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/httpx"
)

// pages mounts the media pages: the player (/watch/{id}) for whoever may
// watch a video, and the tutors' media library (/studio/media) with its
// upload forms. With JavaScript the forms upload through the JSON API with
// progress bars (static/js/studio-media.js); without it they post here, and
// the handler redirects back with a flash (303) or shows the form's error.
func (m *Module) pages(r fiber.Router) {
	r.Get("/watch/:id", m.watchPage)
	manage := httpx.RequirePage(m.authz, "media.video", "manage")
	r.Get("/studio/media", manage, m.studioPage)
	r.Post("/studio/media/videos", manage, m.videoSubmit)
	r.Post("/studio/media/images", manage, m.imageSubmit)
	// Managing what is in the library: plain form posts that redirect back
	// with a flash (pages_manage.go).
	r.Post("/studio/media/videos/:id", manage, m.videoRename)
	r.Post("/studio/media/videos/:id/delete", manage, m.videoDelete)
	r.Post("/studio/media/videos/:id/captions", manage, m.captionsAdd)
	r.Post("/studio/media/videos/:id/captions/:lang/delete", manage, m.captionsDelete)
	r.Post("/studio/media/images/:id", manage, m.imageAlt)
	r.Post("/studio/media/images/:id/delete", manage, m.imageDelete)
	// Using them in courses (pages_use.go).
	r.Post("/studio/media/videos/:id/attach", manage, m.videoAttach)
	r.Post("/studio/media/images/:id/attach", manage, m.imageAttach)
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// formProblem is err as the problem a form shows beside its fields: a
// refusal of what was sent, or of something this instance cannot do
// (transcoding unavailable); false for server faults, which are the error
// handler's.
func formProblem(c *fiber.Ctx, err error) (*httpx.Problem, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return nil, false
	}
	p := httpx.NewProblem(c.UserContext(), err)
	if p.Status >= 500 && !errors.Is(err, apperr.Unavailable) {
		return nil, false
	}
	return p, true
}

// problemText is what a flash says of a refusal: the messages of its
// fields, else its detail.
func problemText(p *httpx.Problem) string {
	msgs := make([]string, 0, len(p.Errors))
	for _, e := range p.Errors {
		msgs = append(msgs, e.Message)
	}
	if len(msgs) == 0 {
		return p.Detail
	}
	return strings.Join(msgs, " ")
}

// fieldOf is the form field a problem's location names ("body.title":
// "title").
func fieldOf(location string) string {
	if _, name, ok := strings.Cut(location, "."); ok {
		return name
	}
	return location
}
