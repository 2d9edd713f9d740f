package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/storage"
)

// Playback is what a player needs: signed, expiring URLs.
type Playback struct {
	VideoID        int64             `json:"video_id"`
	HLSURL         string            `json:"hls_url" doc:"The master playlist; its playlists and segments are signed too."`
	MP4URL         string            `json:"mp4_url" doc:"A progressive MP4 fallback."`
	PosterURL      string            `json:"poster_url"`
	Captions       []PlaybackCaption `json:"captions" doc:"WebVTT tracks, signed like the rest."`
	Duration       float64           `json:"duration" doc:"Seconds."`
	ResumePosition float64           `json:"resume_position" doc:"Where the caller left off, in seconds (0 until watch progress exists)."`
	ExpiresAt      time.Time         `json:"expires_at"`
}

// mediaPrefix is where the app serves signed media files (storage.Handler),
// and playlistPrefix its signed playlists.
const (
	mediaPrefix    = "/media"
	playlistPrefix = "/media/hls/"
)

// Playback returns signed URLs for a ready video the caller may watch: its
// owner and admins, and whoever the catalog lets see it (a free topic, a
// course intro, or a premium topic of a course the caller is entitled to).
// Others get 404: they need not learn the video exists.
func (s *service) Playback(ctx context.Context, p *authz.Principal, id int64) (Playback, error) {
	r, err := s.playable(ctx, p, id)
	if err != nil {
		return Playback{}, err
	}
	exp := s.clock.Now().Add(s.limits.URLTTL)
	master := hlsPrefix(id) + "master.m3u8"
	e, sig := s.signer.Sign(master, exp)
	out := Playback{VideoID: id, Duration: float64(r.DurationMS) / 1000, ExpiresAt: exp.UTC(),
		HLSURL: fmt.Sprintf("%s%d/master.m3u8?exp=%s&sig=%s", playlistPrefix, id, e, sig)}
	if out.MP4URL, err = s.files.URL(ctx, mp4Key(id), exp); err != nil {
		return Playback{}, err
	}
	if out.PosterURL, err = s.files.URL(ctx, posterKey(id), exp); err != nil {
		return Playback{}, err
	}
	if p != nil {
		// Where the caller left off (the module that tracks watching).
		if out.ResumePosition, err = s.resume.Get().ResumePosition(ctx, p.UserID, id); err != nil {
			return Playback{}, err
		}
	}
	out.Captions = make([]PlaybackCaption, 0, len(r.Captions.V))
	for _, c := range r.Captions.V {
		// Always through our /media handler, even when files come from a
		// bucket: browsers load <track>s of another origin only with CORS.
		u := s.signer.URL(mediaPrefix, c.Key, exp)
		out.Captions = append(out.Captions, PlaybackCaption{Caption: Caption{Lang: c.Lang, Label: c.Label}, URL: u})
	}
	return out, nil
}

// playable returns a ready video p may play: its owner and admins, and
// whoever the catalog lets see it. Others get 404 (401 signed out), and a
// video being processed 409.
func (s *service) playable(ctx context.Context, p *authz.Principal, id int64) (*videoRow, error) {
	r, err := s.st.videoForViewer(ctx, s.db.R, id, userID(p))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errVideoNotFound
	}
	if !s.authz.Allowed(p, "media.video", "play", authz.Rels{}.If(r.IsOwner, authz.Owner)...) {
		ok, err := s.gate.VideoAccess(ctx, p, VideoRef(id))
		if err != nil {
			return nil, err
		}
		if !ok {
			if p == nil {
				return nil, apperr.ErrAuthRequired
			}
			return nil, errVideoNotFound
		}
	}
	if r.Status != "ready" {
		return nil, apperr.New(apperr.Conflict, "media.video_not_ready", "media.video_not_ready").With(map[string]any{"Status": r.Status})
	}
	return r, nil
}

// PlayableVideo implements Player.
func (s *service) PlayableVideo(ctx context.Context, p *authz.Principal, id int64) (float64, error) {
	r, err := s.playable(ctx, p, id)
	if err != nil {
		return 0, err
	}
	return float64(r.DurationMS) / 1000, nil
}

// servePlaylist serves a video's master or media playlist after checking the
// signature of the master URL, rewriting every entry into a signed URL with
// the same expiry: a playlist URL that leaks stops working when it expires,
// and so do the segment URLs in it.
func (s *service) servePlaylist(c *fiber.Ctx) error {
	rest := strings.TrimPrefix(c.Path(), playlistPrefix)
	idStr, file, ok := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || id <= 0 || !strings.HasSuffix(file, ".m3u8") || strings.Contains(file, "..") {
		return apperr.New(apperr.NotFound, "media.not_found", "media.not_found")
	}
	master := hlsPrefix(id) + "master.m3u8"
	exp, sig := c.Query("exp"), c.Query("sig")
	if err := s.signer.Verify(master, exp, sig, s.clock.Now()); err != nil {
		if errors.Is(err, storage.ErrExpired) {
			return apperr.New(apperr.Forbidden, "media.url_expired", "media.url_expired").Because(err)
		}
		return apperr.New(apperr.Forbidden, "media.signature_invalid", "media.signature_invalid").Because(err)
	}
	expUnix, _ := strconv.ParseInt(exp, 10, 64)
	expires := time.Unix(expUnix, 0)
	key := path.Join(hlsPrefix(id), file)
	obj, err := s.files.Open(c.UserContext(), key)
	if err != nil {
		return apperr.New(apperr.NotFound, "media.not_found", "media.not_found")
	}
	defer obj.Close()
	dir := path.Dir(file)
	var b strings.Builder
	sc := bufio.NewScanner(io.LimitReader(obj, 1<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			b.WriteString(line + "\n")
			continue
		}
		// Only files of this video's HLS folder: never "../original", other
		// videos' keys or absolute URLs, whatever a playlist says.
		if strings.Contains(line, "://") || strings.HasPrefix(line, "/") || strings.Contains(line, "..") {
			return apperr.New(apperr.NotFound, "media.not_found", "media.not_found")
		}
		ref := path.Clean(path.Join(dir, line))
		if strings.HasSuffix(ref, ".m3u8") {
			// A media playlist: served here too, with the master's signature.
			fmt.Fprintf(&b, "%s%d/%s?exp=%s&sig=%s\n", playlistPrefix, id, ref, url.QueryEscape(exp), url.QueryEscape(sig))
			continue
		}
		u, err := s.files.URL(c.UserContext(), path.Join(hlsPrefix(id), ref), expires)
		if err != nil {
			return err
		}
		b.WriteString(u + "\n")
	}
	if err := sc.Err(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.apple.mpegurl")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendString(b.String())
}

// imagePath is where images are served by reference (catalog.ImageURL).
const imagePath = "/images/"

// serveImage serves a variant of an image at a stable address (catalog
// pages name a course's picture by it): to its owner and admins, and to
// whoever the catalog lets see a course it illustrates. Others get 404.
// Variants never change (a new picture is a new image), so the ETag is
// the image, variant and size, and browsers revalidate cheaply.
func (s *service) serveImage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	name := c.Params("variant")
	if err != nil || id <= 0 || (name != "display" && name != "thumbnail" && name != "original") {
		return errImageNotFound
	}
	ctx := c.UserContext()
	v, err := s.imageVariant(ctx, authz.PrincipalFrom(ctx), id, name)
	if err != nil {
		return err
	}
	etag := fmt.Sprintf(`"img-%d-%s-%d"`, id, name, v.Size)
	h := &c.Response().Header
	h.Set(fiber.HeaderETag, etag)
	// Private: whether an image may be seen depends on the viewer (a
	// draft's picture), so shared caches must not keep it.
	h.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	if strings.Contains(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	obj, err := s.files.Open(context.WithoutCancel(ctx), v.Key)
	if err != nil {
		return errImageNotFound
	}
	h.Set(fiber.HeaderContentType, v.ContentType)
	c.Context().SetBodyStream(obj, v.Size)
	return nil
}
