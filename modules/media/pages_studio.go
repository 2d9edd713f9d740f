package media

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clientgone"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// The media library (/studio/media): the caller's videos and images (an
// admin's: everyone's), each with its management panel (pages_manage.go),
// and the upload forms, which post here without JavaScript.

const (
	studioVideos = 20 // videos per page of the library
	studioImages = 24 // images per page (a multiple of 2, 3 and 4 columns)
)

// studioView is the data of "media/studio".
type studioView struct {
	Query        string // "?for=…&vpage=…&ipage=…" of the page shown, for the forms' actions
	ForQuery     string // "?for=…" (or ""), for the upload forms' actions
	For          *studioFor
	ForMissing   bool // ?for= named a topic or course the caller cannot pick for
	Targets      []catalog.AttachCourse
	Videos       []videoItem
	VideoCount   int
	VideoPager   web.Pager
	Images       []imageItem
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

// videoItem is a video of the library.
type videoItem struct {
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
	usesOf
}

// Processing reports whether the video is still on its way to ready.
func (v videoItem) Processing() bool { return v.Status == "processing" || v.Status == "uploaded" }

// imageItem is an image of the library.
type imageItem struct {
	Image
	Ref      string // how catalog content names it
	Thumb    string
	Full     string
	SizeText string
	Open     bool
	AltForm  *web.Form // alt
	usesOf
}

// usesOf is where courses use a video or an image: the first few, and how
// many more.
type usesOf struct {
	Uses     []catalog.MediaUse
	MoreUses int
}

// shownUses is how many uses of an item the library lists.
const shownUses = 5

func usesFrom(all []catalog.MediaUse) usesOf {
	if len(all) <= shownUses {
		return usesOf{Uses: all}
	}
	return usesOf{Uses: all[:shownUses], MoreUses: len(all) - shownUses}
}

var (
	videoFields = []string{"title", "file"}
	imageFields = []string{"alt", "file"}
)

// pageQuery is the page number named by a query parameter (1 without one).
func pageQuery(c *fiber.Ctx, name string) int {
	n, _ := strconv.Atoi(c.Query(name))
	return min(max(n, 1), 10_000)
}

func (m *Module) studioPage(c *fiber.Ctx) error {
	return m.renderStudio(c, fiber.StatusOK, nil, nil, nil)
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
	pick, forParam, err := m.studioFor(c)
	if err != nil {
		return err
	}
	lim := m.svc.limits
	page := studioView{Query: studioQuery(vp, ip, forParam), ForQuery: studioQuery(1, 1, forParam), For: pick,
		ForMissing: forParam == "" && c.Query("for") != "", VideoCount: vn, ImageCount: in, VideoForm: vf, ImageForm: imf, CanTranscode: m.svc.hasFF,
		MaxVideo: lim.VideoBytes, MaxImage: lim.ImageBytes, MaxVideoMiB: lim.VideoBytes >> 20, MaxImageMiB: lim.ImageBytes >> 20,
		CaptionLangs: captionOptions(i18n.LangFrom(ctx)), MaxCaption: MaxCaptionBytes, MaxCaptionKB: MaxCaptionBytes >> 10}
	shown := false // whether edit's item is on this page
	for _, v := range videos {
		it := videoItem{Video: v, Clock: clockText(int(v.Duration + 0.5)), SizeText: sizeText(v.Size)}
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
			// ListVideos returned only videos the caller may read: the poster's
			// signed URL needs no other check (and no query per video).
			if u, err := m.svc.files.URL(ctx, posterKey(v.ID), m.svc.clock.Now().Add(m.svc.limits.URLTTL)); err == nil {
				it.Poster = u
			}
		}
		page.Videos = append(page.Videos, it)
	}
	for _, img := range images {
		it := imageItem{Image: img, Ref: ImageRef(img.ID), SizeText: sizeText(img.Size),
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
	if err := m.studioUses(c, &page); err != nil {
		return err
	}
	if edit != nil && !shown {
		// The item is on another page of the library: say it here.
		web.SetFlash(c, "danger", edit.msg)
	}
	page.VideoPager = web.Paginate(vp, (vn+studioVideos-1)/studioVideos, func(n int) string { return "/studio/media" + studioQuery(n, ip, forParam) })
	page.ImagePager = web.Paginate(ip, (in+studioImages-1)/studioImages, func(n int) string { return "/studio/media" + studioQuery(vp, n, forParam) })
	return m.web.Render(c, status, "media/studio", page)
}

// videoSubmit is the form's POST without JavaScript: the upload as the API
// takes it, then back to the library.
func (m *Module) videoSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := web.NewForm(videoFields...)
	file, fields, err := filePart(c)
	if err == nil {
		f.Set("title", fields["title"])
		_, err = m.svc.UploadVideo(ctx, authz.PrincipalFrom(ctx), file, fields["title"])
	}
	if err == nil {
		web.SetFlash(c, "success", m.t(c, "media.page.upload.video_done"))
		return c.Redirect("/studio/media"+studioQuery(1, 1, forQuery(c)), fiber.StatusSeeOther)
	}
	status, ok := m.formError(c, f, err)
	if !ok {
		return err
	}
	return m.renderStudio(c, status, f, nil, nil)
}

// imageSubmit is the image form's POST without JavaScript.
func (m *Module) imageSubmit(c *fiber.Ctx) error {
	// Decoding an image takes seconds: stop if the client goes away.
	ctx, stop := clientgone.Watch(c.UserContext(), c.Context().Conn())
	defer stop()
	f := web.NewForm(imageFields...)
	file, fields, err := filePart(c)
	if err == nil {
		f.Set("alt", fields["alt"])
		_, err = m.svc.UploadImage(ctx, authz.PrincipalFrom(ctx), file, fields["alt"])
	}
	if err == nil {
		web.SetFlash(c, "success", m.t(c, "media.page.upload.image_done"))
		return c.Redirect("/studio/media"+studioQuery(1, 1, forQuery(c))+"#images", fiber.StatusSeeOther)
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
	p, ok := formProblem(c, err)
	if !ok {
		return 0, false
	}
	placed := false
	for _, e := range p.Errors {
		name := fieldOf(e.Location)
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
// images, opened for forParam ("topic:12", "course:3"; "" for none): ""
// for the first pages of both, for nothing.
func studioQuery(vp, ip int, forParam string) string {
	q := url.Values{}
	if forParam != "" {
		q.Set("for", forParam)
	}
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
