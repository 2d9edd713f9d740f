package media

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

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
}

// VideoItem is a video of the library.
type VideoItem struct {
	Video
	Clock    string
	SizeText string
	Poster   string // signed, for ready videos
	WatchURL string
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
}

var (
	videoFields = []string{"title", "file"}
	imageFields = []string{"alt", "file"}
)

func (m *Module) studioPage(c *fiber.Ctx) error {
	return m.renderStudio(c, fiber.StatusOK, nil, nil)
}

func pageQuery(c *fiber.Ctx, name string) int {
	n, _ := strconv.Atoi(c.Query(name))
	return min(max(n, 1), 10_000)
}

func (m *Module) renderStudio(c *fiber.Ctx, status int, vf, imf *web.Form) error {
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
	page := StudioPage{VideoCount: vn, ImageCount: in, VideoForm: vf, ImageForm: imf, CanTranscode: m.svc.hasFF,
		MaxVideo: lim.VideoBytes, MaxImage: lim.ImageBytes, MaxVideoMiB: lim.VideoBytes >> 20, MaxImageMiB: lim.ImageBytes >> 20}
	for _, v := range videos {
		it := VideoItem{Video: v, Clock: clockText(int(v.Duration + 0.5)), SizeText: sizeText(v.Size)}
		if v.Status == "ready" {
			it.WatchURL = fmt.Sprintf("/watch/%d?%s", v.ID, url.Values{"back": {"/studio/media"}}.Encode())
			if pb, err := m.svc.Playback(ctx, p, v.ID); err == nil {
				it.Poster = pb.PosterURL
			}
		}
		page.Videos = append(page.Videos, it)
	}
	for _, img := range images {
		it := ImageItem{Image: img, Ref: ImageRef(img.ID), SizeText: sizeText(img.Size)}
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
	link := func(name string, other int) func(int) string {
		return func(n int) string {
			q := url.Values{}
			if n > 1 {
				q.Set(name, strconv.Itoa(n))
			}
			if other > 1 {
				o := "ipage"
				if name == "ipage" {
					o = "vpage"
				}
				q.Set(o, strconv.Itoa(other))
			}
			if len(q) == 0 {
				return "/studio/media"
			}
			return "/studio/media?" + q.Encode()
		}
	}
	page.VideoPager = web.Paginate(vp, (vn+studioVideos-1)/studioVideos, link("vpage", ip))
	page.ImagePager = web.Paginate(ip, (in+studioImages-1)/studioImages, link("ipage", vp))
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
	return m.renderStudio(c, status, f, nil)
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
	return m.renderStudio(c, status, nil, f)
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
