package media

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// Each video and image of the library has a panel (a <details>) with plain
// forms: rename, captions (add, remove) and delete for a video, alt text and
// delete for an image. They post here and come back to the library with a
// flash (303); deleting is a second step inside the panel, so it works the
// same without JavaScript. The services scope everything to the owner:
// someone else's id is the 404 page, as it is on the API.

var (
	titleFields   = []string{"title"}
	captionFields = []string{"lang", "label", "file"}
	altFields     = []string{"alt"}
)

// The lengths the API takes (the service cuts longer text silently; the
// form says so instead).
const (
	maxTitle = 200
	maxAlt   = 300
)

// captionLangs are the captions form's languages: the site's two, then the
// ones learners of a Korean school most often need.
var captionLangs = []string{"ko", "en", "ja", "zh-Hans", "zh-Hant", "vi", "th", "id", "es", "fr", "de"}

// captionOptions names each language in its own script (the player's
// default label), with the page language's name when it differs:
// "日本語 (일본어)".
func captionOptions(lang string) []web.Option {
	names := display.Tags(language.Make(lang))
	out := make([]web.Option, 0, len(captionLangs))
	for _, code := range captionLangs {
		tag := language.Make(code)
		label := display.Self.Name(tag)
		if here := names.Name(tag); here != "" && here != label {
			label += " (" + here + ")"
		}
		out = append(out, web.Option{Value: code, Label: label})
	}
	return out
}

// newCaptionLang is the language the captions form offers first: the first
// one the video has no captions in yet.
func newCaptionLang(have []Caption) string {
	for _, code := range captionLangs {
		if !slices.ContainsFunc(have, func(c Caption) bool { return strings.EqualFold(c.Lang, code) }) {
			return code
		}
	}
	return captionLangs[0]
}

// studioBack is the library page a form was on (the forms post with its
// ?for=&vpage=&ipage=), at anchor.
func studioBack(c *fiber.Ctx, anchor string) string {
	return "/studio/media" + studioQuery(pageQuery(c, "vpage"), pageQuery(c, "ipage"), forQuery(c)) + anchor
}

func mediaID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

func tooLong(location, msg string, n int) error {
	return apperr.InvalidFields("request.validation", apperr.FieldError{Location: location, Message: fmt.Sprintf("%s:%d", msg, n)})
}

// videoRename is POST /studio/media/videos/{id} (title).
func (m *Module) videoRename(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	title := c.FormValue("title")
	f := web.NewForm(titleFields...).Set("title", title)
	if utf8.RuneCountInString(strings.TrimSpace(title)) > maxTitle {
		if _, err = m.svc.GetVideo(ctx, p, id); err == nil {
			err = tooLong("body.title", "media.page.manage.title_too_long", maxTitle)
		}
	} else {
		_, err = m.svc.UpdateVideo(ctx, p, id, title)
	}
	if err != nil {
		return m.manageFailed(c, err, &studioEdit{what: "video-title", id: id, f: f, fields: titleFields})
	}
	web.SetFlash(c, "success", m.t(c, "media.page.manage.renamed"))
	return c.Redirect(studioBack(c, ""), fiber.StatusSeeOther)
}

// videoDelete is POST /studio/media/videos/{id}/delete, the panel's second
// step. A video a course still plays is refused (media.in_use).
func (m *Module) videoDelete(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	v, err := m.svc.GetVideo(ctx, p, id)
	if err == nil {
		err = m.svc.DeleteVideo(ctx, p, id)
	}
	if err != nil {
		return m.manageFailed(c, err, nil)
	}
	title := v.Title
	if title == "" {
		title = m.t(c, "media.page.studio.untitled")
	}
	web.SetFlash(c, "success", m.t(c, "media.page.manage.video_deleted", "Title", title))
	return c.Redirect(studioBack(c, ""), fiber.StatusSeeOther)
}

// captionsAdd is POST /studio/media/videos/{id}/captions (multipart: lang,
// label, file): adds the captions of a language, or replaces them.
func (m *Module) captionsAdd(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := web.NewForm(captionFields...)
	fields, data, chosen, err := smallForm(c, MaxCaptionBytes)
	var v Video
	if err == nil {
		f.Set("lang", fields["lang"]).Set("label", fields["label"])
		if !chosen && len(data) == 0 {
			err = apperr.InvalidFields("media.file_required", apperr.FieldError{Location: "body.file", Message: "media.file_required"})
		} else {
			v, err = m.svc.SetCaptions(ctx, authz.PrincipalFrom(ctx), id, fields["lang"], fields["label"], data)
		}
	}
	if err != nil {
		return m.manageFailed(c, err, &studioEdit{what: "video-captions", id: id, f: f, fields: captionFields, file: true})
	}
	label := fields["lang"]
	for _, cc := range v.Captions {
		if strings.EqualFold(cc.Lang, fields["lang"]) {
			label = cc.Label
		}
	}
	web.SetFlash(c, "success", m.t(c, "media.page.manage.captions_saved", "Label", label))
	return c.Redirect(studioBack(c, ""), fiber.StatusSeeOther)
}

// captionsDelete is POST /studio/media/videos/{id}/captions/{lang}/delete.
func (m *Module) captionsDelete(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	lang := c.Params("lang")
	v, err := m.svc.GetVideo(ctx, p, id)
	if err == nil {
		err = m.svc.DeleteCaptions(ctx, p, id, lang)
	}
	if err != nil {
		return m.manageFailed(c, err, nil)
	}
	label := lang
	for _, cc := range v.Captions {
		if strings.EqualFold(cc.Lang, lang) {
			label = cc.Label
		}
	}
	web.SetFlash(c, "success", m.t(c, "media.page.manage.captions_removed", "Label", label))
	return c.Redirect(studioBack(c, ""), fiber.StatusSeeOther)
}

// imageAlt is POST /studio/media/images/{id} (alt). The alt text is one
// line: the form's line breaks become spaces.
func (m *Module) imageAlt(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	alt := strings.Join(strings.Fields(c.FormValue("alt")), " ")
	f := web.NewForm(altFields...).Set("alt", alt)
	if utf8.RuneCountInString(alt) > maxAlt {
		if _, err = m.svc.GetImage(ctx, p, id); err == nil {
			err = tooLong("body.alt", "media.page.manage.alt_too_long", maxAlt)
		}
	} else {
		_, err = m.svc.UpdateImage(ctx, p, id, alt, 0)
	}
	if err != nil {
		return m.manageFailed(c, err, &studioEdit{what: "image-alt", id: id, f: f, fields: altFields})
	}
	web.SetFlash(c, "success", m.t(c, "media.page.manage.alt_saved"))
	return c.Redirect(studioBack(c, "#images"), fiber.StatusSeeOther)
}

// imageDelete is POST /studio/media/images/{id}/delete. An image a course
// shows is refused (media.in_use).
func (m *Module) imageDelete(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := m.svc.DeleteImage(ctx, authz.PrincipalFrom(ctx), id); err != nil {
		return m.manageFailed(c, err, nil)
	}
	web.SetFlash(c, "success", m.t(c, "media.page.manage.image_deleted"))
	return c.Redirect(studioBack(c, "#images"), fiber.StatusSeeOther)
}

// manageFailed answers a refused management form. Someone else's (or a
// deleted) video or image is the 404 page, as anywhere else. A problem with
// one of edit's fields shows the library again with the item's panel open
// and the message on the field (as the upload forms do); any other refusal
// (a video a course still plays, too many captions) goes back to the
// library with the problem's localized detail as an error flash. Server
// faults are the error handler's.
func (m *Module) manageFailed(c *fiber.Ctx, err error, edit *studioEdit) error {
	p, ok := formProblem(c, err)
	if !ok {
		return err
	}
	if errors.Is(err, apperr.NotFound) && p.Code != errCaptionNotFound.Code {
		return err // someone else's video or image: the 404 page
	}
	msg := problemText(p)
	if edit != nil {
		placed := false
		for _, e := range p.Errors {
			if name := fieldOf(e.Location); slices.Contains(edit.fields, name) {
				edit.f.Fail(name, e.Message)
				placed = true
			}
		}
		if !placed && edit.file && (errors.Is(err, apperr.TooLarge) || errors.Is(err, apperr.Unsupported)) {
			edit.f.Fail("file", p.Detail)
			placed = true
		}
		if placed {
			edit.msg = msg
			return m.renderStudio(c, p.Status, nil, nil, edit)
		}
	}
	web.SetFlash(c, "danger", msg)
	return c.Redirect(studioBack(c, ""), fiber.StatusSeeOther)
}
