package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
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
	// with a flash (see "managing the library" below).
	r.Post("/studio/media/videos/:id", manage, m.videoRename)
	r.Post("/studio/media/videos/:id/delete", manage, m.videoDelete)
	r.Post("/studio/media/videos/:id/captions", manage, m.captionsAdd)
	r.Post("/studio/media/videos/:id/captions/:lang/delete", manage, m.captionsDelete)
	r.Post("/studio/media/images/:id", manage, m.imageAlt)
	r.Post("/studio/media/images/:id/delete", manage, m.imageDelete)
}

const (
	studioVideos = 20 // videos per page of the library
	studioImages = 24 // images per page (a multiple of 2, 3 and 4 columns)
)

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// ---- the player ------------------------------------------------------------

// WatchCaption is one <track> of the player.
type WatchCaption struct {
	PlaybackCaption
	Default bool // shown from the start: the page's language, else the first
}

// WatchPage is the data of "media/watch".
type WatchPage struct {
	VideoID   int64
	Title     string
	HLS       string // signed master playlist
	MP4       string // signed progressive fallback
	Poster    string
	Captions  []WatchCaption
	Resume    string // seconds, for data-resume ("0" from the start)
	Clock     string // the length, "m:ss"
	Back      string // a local URL to go back to, or ""
	BackLabel string
}

// watchPage plays one video for a viewer Playback admits: 404 for others
// (401, which becomes the login page, when signed out), 409 while the video
// is still being processed. ?topic= names the topic it plays for (the
// catalog links here so): its title and the way back to it; ?back= a local
// page to return to. The video's captions become tracks, the page
// language's shown by default.
func (m *Module) watchPage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	pb, err := m.svc.Playback(ctx, p, id)
	if err != nil {
		return err
	}
	page := WatchPage{VideoID: id, HLS: pb.HLSURL, MP4: pb.MP4URL, Poster: pb.PosterURL,
		Resume: strconv.FormatFloat(max(pb.ResumePosition, 0), 'f', -1, 64),
		Clock:  clockText(int(pb.Duration + 0.5))}
	lang := i18n.LangFrom(ctx)
	def := 0
	for i, pc := range pb.Captions {
		if primaryLang(pc.Lang) == lang {
			def = i
			break
		}
	}
	for i, pc := range pb.Captions {
		page.Captions = append(page.Captions, WatchCaption{PlaybackCaption: pc, Default: i == def})
	}
	// The title is the topic's (when the video is that topic's), else the
	// one its owner gave it: never text from the URL, which anyone could
	// write to put words on our page.
	var back string
	if tid, err := strconv.ParseInt(c.Query("topic"), 10, 64); err == nil && tid > 0 {
		title, courseID, err := m.svc.gate.VideoTopic(ctx, p, tid, VideoRef(id))
		if err != nil {
			return err
		}
		if title != "" {
			page.Title, back = title, fmt.Sprintf("/courses/%d#topic-%d", courseID, tid)
		}
	}
	if page.Title == "" && p != nil {
		// The owner (or an admin) sees the title they gave it.
		if v, err := m.svc.GetVideo(ctx, p, id); err == nil {
			page.Title = v.Title
		}
	}
	if page.Title == "" {
		page.Title = m.t(c, "media.page.watch.untitled")
	}
	if b := web.SafeRedirect(c.Query("back"), ""); b != "" {
		back = b
	}
	if back != "" {
		page.Back, page.BackLabel = back, m.t(c, "media.page.watch.back")
	} else if r := p.RoleOf(); r == authz.Tutor || r == authz.Admin {
		page.Back, page.BackLabel = "/studio/media", m.t(c, "media.page.watch.back_library")
	}
	return m.web.Render(c, fiber.StatusOK, "media/watch", page)
}

// primaryLang is a language tag's language ("en" of "en-US").
func primaryLang(tag string) string {
	l, _, _ := strings.Cut(tag, "-")
	return l
}

// clockText formats a length as m:ss or h:mm:ss.
func clockText(secs int) string {
	if secs >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	}
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

// sizeText formats a byte count: "820 KB", "7.4 MB", "1.2 GB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// ---- the media library -----------------------------------------------------

// StudioPage is the data of "media/studio".
type StudioPage struct {
	Query        string // "?vpage=…&ipage=…" of the page shown, for the forms' actions
	Videos       []VideoItem
	VideoCount   int
	VideoPager   web.Pager
	Images       []ImageItem
	ImageCount   int
	ImagePager   web.Pager
	VideoForm    *web.Form
	ImageForm    *web.Form
	CanTranscode bool
	MaxVideoMiB  int64
	MaxImageMiB  int64
	MaxVideo     int64 // bytes, for the script's check before uploading
	MaxImage     int64
	CaptionLangs []web.Option // the captions form's languages
	MaxCaption   int64
	MaxCaptionKB int64
}

// VideoItem is a video of the library.
type VideoItem struct {
	Video
	Clock    string
	SizeText string
	Poster   string // signed, for ready videos
	WatchURL string
	// The management panel: open when one of its forms was refused, which
	// then shows what was sent and why.
	Open        bool
	TitleForm   *web.Form // title
	CaptionForm *web.Form // lang, label, file
}

// Processing reports whether the video is still on its way to ready.
func (v VideoItem) Processing() bool { return v.Status == "processing" || v.Status == "uploaded" }

// ImageItem is an image of the library.
type ImageItem struct {
	Image
	Ref      string // how catalog content names it
	Thumb    string
	Full     string
	SizeText string
	Open     bool
	AltForm  *web.Form // alt
}

var (
	videoFields = []string{"title", "file"}
	imageFields = []string{"alt", "file"}
)

func (m *Module) studioPage(c *fiber.Ctx) error {
	return m.renderStudio(c, fiber.StatusOK, nil, nil, nil)
}

func pageQuery(c *fiber.Ctx, name string) int {
	n, _ := strconv.Atoi(c.Query(name))
	return min(max(n, 1), 10_000)
}

// renderStudio renders the library; vf and imf are the upload forms being
// shown again, edit a refused management form (nil: none).
func (m *Module) renderStudio(c *fiber.Ctx, status int, vf, imf *web.Form, edit *studioEdit) error {
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	vp, ip := pageQuery(c, "vpage"), pageQuery(c, "ipage")
	videos, vn, err := m.svc.ListVideos(ctx, p, studioVideos, (vp-1)*studioVideos)
	if err != nil {
		return err
	}
	images, in, err := m.svc.ListImages(ctx, p, studioImages, (ip-1)*studioImages)
	if err != nil {
		return err
	}
	if vf == nil {
		vf = web.NewForm(videoFields...)
	}
	if imf == nil {
		imf = web.NewForm(imageFields...)
	}
	lim := m.svc.limits
	page := StudioPage{Query: studioQuery(vp, ip), VideoCount: vn, ImageCount: in, VideoForm: vf, ImageForm: imf, CanTranscode: m.svc.hasFF,
		MaxVideo: lim.VideoBytes, MaxImage: lim.ImageBytes, MaxVideoMiB: lim.VideoBytes >> 20, MaxImageMiB: lim.ImageBytes >> 20,
		CaptionLangs: captionOptions(i18n.LangFrom(ctx)), MaxCaption: MaxCaptionBytes, MaxCaptionKB: MaxCaptionBytes >> 10}
	shown := false // whether edit's item is on this page
	for _, v := range videos {
		it := VideoItem{Video: v, Clock: clockText(int(v.Duration + 0.5)), SizeText: sizeText(v.Size)}
		it.TitleForm = web.NewForm(titleFields...).Set("title", v.Title)
		it.CaptionForm = web.NewForm(captionFields...).Set("lang", newCaptionLang(v.Captions))
		if f := edit.form("video-title", v.ID); f != nil {
			it.TitleForm, it.Open, shown = f, true, true
		}
		if f := edit.form("video-captions", v.ID); f != nil {
			it.CaptionForm, it.Open, shown = f, true, true
		}
		if v.Status == "ready" {
			it.WatchURL = fmt.Sprintf("/watch/%d?%s", v.ID, url.Values{"back": {"/studio/media"}}.Encode())
			// The caller owns these videos: the poster's signed URL needs
			// no access check (and no query per video).
			if u, err := m.svc.store.URL(ctx, posterKey(v.ID), m.svc.clock.Now().Add(m.svc.limits.URLTTL)); err == nil {
				it.Poster = u
			}
		}
		page.Videos = append(page.Videos, it)
	}
	for _, img := range images {
		it := ImageItem{Image: img, Ref: ImageRef(img.ID), SizeText: sizeText(img.Size),
			AltForm: web.NewForm(altFields...).Set("alt", img.Alt)}
		if f := edit.form("image-alt", img.ID); f != nil {
			it.AltForm, it.Open, shown = f, true, true
		}
		for _, v := range img.Variants {
			switch v.Name {
			case "thumbnail":
				it.Thumb = v.URL
			case "display":
				it.Full = v.URL
			case "original":
				if it.Full == "" {
					it.Full = v.URL
				}
			}
		}
		if it.Thumb == "" {
			it.Thumb = it.Full
		}
		page.Images = append(page.Images, it)
	}
	if edit != nil && !shown {
		// The item is on another page of the library: say it here.
		web.SetFlash(c, "danger", edit.msg)
	}
	page.VideoPager = web.Paginate(vp, (vn+studioVideos-1)/studioVideos, func(n int) string { return "/studio/media" + studioQuery(n, ip) })
	page.ImagePager = web.Paginate(ip, (in+studioImages-1)/studioImages, func(n int) string { return "/studio/media" + studioQuery(vp, n) })
	return m.web.Render(c, status, "media/studio", page)
}

// videoSubmit is the form's POST without JavaScript: the upload as the API
// takes it, then back to the library.
func (m *Module) videoSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := web.NewForm(videoFields...)
	file, _, fields, err := filePart(c)
	if err == nil {
		f.Set("title", fields["title"])
		_, err = m.svc.UploadVideo(ctx, authz.PrincipalFrom(ctx), file, fields["title"])
	}
	if err == nil {
		web.SetFlash(c, "success", m.t(c, "media.page.upload.video_done"))
		return c.Redirect("/studio/media", fiber.StatusSeeOther)
	}
	status, ok := m.formError(c, f, err)
	if !ok {
		return err
	}
	return m.renderStudio(c, status, f, nil, nil)
}

// imageSubmit is the image form's POST without JavaScript.
func (m *Module) imageSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := web.NewForm(imageFields...)
	file, _, fields, err := filePart(c)
	if err == nil {
		f.Set("alt", fields["alt"])
		_, err = m.svc.UploadImage(ctx, authz.PrincipalFrom(ctx), file, fields["alt"])
	}
	if err == nil {
		web.SetFlash(c, "success", m.t(c, "media.page.upload.image_done"))
		return c.Redirect("/studio/media#images", fiber.StatusSeeOther)
	}
	status, ok := m.formError(c, f, err)
	if !ok {
		return err
	}
	return m.renderStudio(c, status, nil, f, nil)
}

// formError puts a refused upload's problem on the form's file field (or the
// field it names) and returns the status to render with. Server faults are
// not the form's business: they go to the error handler.
func (m *Module) formError(c *fiber.Ctx, f *web.Form, err error) (int, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return 0, false
	}
	p := httpx.NewProblem(c.UserContext(), err)
	if p.Status >= 500 && !errors.Is(err, apperr.Unavailable) {
		return 0, false
	}
	placed := false
	for _, e := range p.Errors {
		name := e.Location
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if name != "title" && name != "alt" {
			name = "file"
		}
		f.Fail(name, e.Message)
		placed = true
	}
	if !placed {
		f.Fail("file", p.Detail)
	}
	return p.Status, true
}

// ---- managing the library --------------------------------------------------
//
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

// studioEdit is a management form that was refused for one of its fields:
// the library is shown again with that item's panel open, the values sent
// and the message on the field.
type studioEdit struct {
	what   string // "video-title", "video-captions" or "image-alt"
	id     int64
	f      *web.Form
	fields []string
	file   bool   // a refused file (too large, not WebVTT) is the "file" field's problem
	msg    string // the whole message, flashed when the item is not on the page shown
}

func (e *studioEdit) form(what string, id int64) *web.Form {
	if e == nil || e.what != what || e.id != id {
		return nil
	}
	return e.f
}

// studioQuery is the query of the library's page vp of videos and ip of
// images ("" for the first of both).
func studioQuery(vp, ip int) string {
	q := url.Values{}
	if vp > 1 {
		q.Set("vpage", strconv.Itoa(vp))
	}
	if ip > 1 {
		q.Set("ipage", strconv.Itoa(ip))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// studioBack is the library page a form was on (the forms post with its
// ?vpage=&ipage=), at anchor.
func studioBack(c *fiber.Ctx, anchor string) string {
	return "/studio/media" + studioQuery(pageQuery(c, "vpage"), pageQuery(c, "ipage")) + anchor
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
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	p := httpx.NewProblem(c.UserContext(), err)
	if p.Status >= 500 && !errors.Is(err, apperr.Unavailable) {
		return err
	}
	if errors.Is(err, apperr.NotFound) && ae.Code != errCaptionNotFound.Code {
		return err
	}
	msgs := make([]string, 0, len(p.Errors))
	for _, e := range p.Errors {
		msgs = append(msgs, e.Message)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, p.Detail)
	}
	msg := strings.Join(msgs, " ")
	if edit != nil {
		placed := false
		for _, e := range p.Errors {
			name := e.Location
			if i := strings.IndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			if slices.Contains(edit.fields, name) {
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

// smallForm reads a small multipart form (the body guard bounds the body):
// its fields, up to 4 KiB each, and its "file" part, up to max+1 bytes (so
// that a larger file is refused as such), in any order. chosen reports
// whether a file was chosen (browsers send an empty, unnamed part if not).
func smallForm(c *fiber.Ctx, max int64) (fields map[string]string, file []byte, chosen bool, err error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, false, apperr.New(apperr.Unsupported, "media.multipart_required", "media.multipart_required")
	}
	var body io.Reader
	if c.Request().IsBodyStream() {
		body = c.Request().BodyStream()
	} else {
		body = bytes.NewReader(c.Body())
	}
	malformed := func(err error) error {
		return apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
	}
	mr := multipart.NewReader(body, params["boundary"])
	fields = map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fields, file, chosen, nil
		}
		if err != nil {
			return nil, nil, false, malformed(err)
		}
		if part.FormName() == "file" {
			chosen = part.FileName() != ""
			if file, err = io.ReadAll(io.LimitReader(part, max+1)); err != nil {
				return nil, nil, false, malformed(err)
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil {
			return nil, nil, false, malformed(err)
		}
		fields[part.FormName()] = strings.TrimSpace(string(v))
	}
}
