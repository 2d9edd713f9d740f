package media

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Library is what the course editor asks of the media library
// (catalog.MediaLibrary).
func (m *Module) Library() catalog.MediaLibrary { return library{m.svc} }

type library struct{ s *service }

// Attachable implements catalog.MediaLibrary: the items p may read, which
// are the ones p may attach (their own; admins: all).
func (l library) Attachable(ctx context.Context, p *authz.Principal, kind string, limit int) ([]catalog.MediaItem, error) {
	s := l.s
	switch kind {
	case "video":
		videos, _, err := s.ListVideos(ctx, p, limit, 0)
		if err != nil {
			return nil, err
		}
		out := make([]catalog.MediaItem, len(videos))
		for i := range videos {
			out[i] = l.videoItem(ctx, &videos[i])
		}
		return out, nil
	case "image":
		images, _, err := s.ListImages(ctx, p, limit, 0)
		if err != nil {
			return nil, err
		}
		out := make([]catalog.MediaItem, len(images))
		for i := range images {
			out[i] = imageItemOf(&images[i])
		}
		return out, nil
	}
	return nil, fmt.Errorf("media: no library of %q", kind)
}

// Describe implements catalog.MediaLibrary with one query per kind.
func (l library) Describe(ctx context.Context, refs []string) (map[string]catalog.MediaItem, error) {
	s := l.s
	var vids, imgs []int64
	for _, ref := range refs {
		if id, ok := refID(ref, "media:video:"); ok {
			vids = append(vids, id)
		} else if id, ok := refID(ref, "media:image:"); ok {
			imgs = append(imgs, id)
		}
	}
	out := map[string]catalog.MediaItem{}
	if len(vids) > 0 {
		rows, err := s.st.liveVideos(ctx, s.db.R, vids)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			v := videoOut(&rows[i])
			out[v.Ref] = l.videoItem(ctx, &v)
		}
	}
	if len(imgs) > 0 {
		rows, err := s.st.liveImages(ctx, s.db.R, imgs)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			img := s.imageOut(ctx, &rows[i])
			out[ImageRef(img.ID)] = imageItemOf(&img)
		}
	}
	return out, nil
}

// Attach implements catalog.MediaLibrary with the library's own checks:
// the video or image must be one p may update.
func (l library) Attach(ctx context.Context, p *authz.Principal, ref string, courseID, topicID int64, field string) error {
	s := l.s
	if id, ok := refID(ref, "media:video:"); ok {
		if topicID != 0 {
			return s.Attach(ctx, p, id, topicID, 0)
		}
		if field == "intro_video" {
			return s.Attach(ctx, p, id, 0, courseID)
		}
	}
	if id, ok := refID(ref, "media:image:"); ok && topicID == 0 && field == "thumbnail" {
		return s.AttachImage(ctx, p, id, courseID)
	}
	return apperr.InvalidFields("request.validation", apperr.FieldError{Location: "body.ref", Message: "media.wrong_kind", Value: ref})
}

// LibraryURL implements catalog.MediaLibrary.
func (library) LibraryURL(forCourse, forTopic int64) string {
	q := url.Values{}
	if forTopic > 0 {
		q.Set("for", "topic:"+strconv.FormatInt(forTopic, 10))
	} else if forCourse > 0 {
		q.Set("for", "course:"+strconv.FormatInt(forCourse, 10))
	}
	if len(q) == 0 {
		return "/studio/media"
	}
	return "/studio/media?" + q.Encode()
}

func (l library) videoItem(ctx context.Context, v *Video) catalog.MediaItem {
	it := catalog.MediaItem{Ref: v.Ref, Title: v.Title, Status: v.Status, Progress: v.Progress,
		Duration: int(v.Duration + 0.5), OwnerID: v.OwnerID}
	if v.Status == "ready" {
		s := l.s
		if u, err := s.files.URL(ctx, posterKey(v.ID), s.clock.Now().Add(s.limits.URLTTL)); err == nil {
			it.Thumb = u
		}
	}
	return it
}

func imageItemOf(img *Image) catalog.MediaItem {
	it := catalog.MediaItem{Ref: ImageRef(img.ID), Title: img.Alt, Status: "ready", OwnerID: img.OwnerID}
	for _, v := range img.Variants {
		if v.Name == "thumbnail" || it.Thumb == "" {
			it.Thumb = v.URL
		}
	}
	return it
}

// refID parses "<prefix><id>".
func refID(ref, prefix string) (int64, bool) {
	s, ok := strings.CutPrefix(ref, prefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
