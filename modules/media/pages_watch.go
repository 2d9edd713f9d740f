package media

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// watchCaption is one <track> of the player.
type watchCaption struct {
	PlaybackCaption
	Default bool // shown from the start: the page's language, else the first
}

// watchView is the data of "media/watch".
type watchView struct {
	VideoID   int64
	Title     string
	HLS       string // signed master playlist
	MP4       string // signed progressive fallback
	Poster    string
	Captions  []watchCaption
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
	page := watchView{VideoID: id, HLS: pb.HLSURL, MP4: pb.MP4URL, Poster: pb.PosterURL,
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
		page.Captions = append(page.Captions, watchCaption{PlaybackCaption: pc, Default: i == def})
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
	if page.Title == "" {
		// The owner (or an admin) sees the title they gave it.
		v, err := m.svc.GetVideo(ctx, p, id)
		switch {
		case err == nil:
			page.Title = v.Title
		case apperr.KindOf(err) == nil:
			return err // the database failed: not a reason to show "untitled"
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
	} else if m.authz.Allowed(p, "media.video", "manage") {
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
