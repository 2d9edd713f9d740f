package catalog

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
)

var _ MediaGate = (*service)(nil)

// MediaGate returns the catalog's media gate.
func (m *Module) MediaGate() MediaGate { return m.svc }

// VideoAccess implements MediaGate: p may play a course's intro video when
// p may read the course, and a topic's video when p may also view the
// topic's content (catalog.topic view: free, or p's access to the course).
func (s *service) VideoAccess(ctx context.Context, p *authz.Principal, ref string) (bool, error) {
	uid := userID(p)
	if ok, err := s.courseMediaAccess(ctx, p, "intro_video", ref); ok || err != nil {
		return ok, err
	}
	uses, err := s.st.topicVideos(ctx, s.db.R, ref, 0, uid)
	if err != nil {
		return false, err
	}
	// Courses where only being enrolled would let p play it: the
	// entitlement provider is asked once for them all.
	var ask []int64
	for _, u := range uses {
		if !s.authz.Allowed(p, objCourse, "read", u.of()...) {
			continue
		}
		switch {
		case s.authz.Allowed(p, objTopic, actView, authz.Rels{}.If(u.IsOwner, authz.Owner).If(!u.Premium, relFree)...):
			return true, nil
		case p != nil && s.authz.Allowed(p, objTopic, actView, authz.Enrolled):
			ask = append(ask, u.CourseID)
		}
	}
	if len(ask) == 0 {
		return false, nil
	}
	ent, err := s.ent.Get().EntitledCourses(ctx, uid, ask)
	return slices.ContainsFunc(ask, func(id int64) bool { return ent[id] }), err
}

// ImageAccess implements MediaGate: p may see a course's picture when p may
// read the course.
func (s *service) ImageAccess(ctx context.Context, p *authz.Principal, ref string) (bool, error) {
	return s.courseMediaAccess(ctx, p, "thumbnail", ref)
}

// courseMediaAccess reports whether p may read a live course whose column
// (intro_video, thumbnail) is ref.
func (s *service) courseMediaAccess(ctx context.Context, p *authz.Principal, column, ref string) (bool, error) {
	uses, err := s.st.courseMedia(ctx, s.db.R, column, ref, userID(p))
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(uses, func(r rels) bool { return s.authz.Allowed(p, objCourse, "read", r.of()...) }), nil
}

// VideoTopic implements MediaGate.
func (s *service) VideoTopic(ctx context.Context, p *authz.Principal, topicID int64, ref string) (string, int64, error) {
	uses, err := s.st.topicVideos(ctx, s.db.R, ref, topicID, userID(p))
	if err != nil || len(uses) == 0 || !s.authz.Allowed(p, objCourse, "read", uses[0].of()...) {
		return "", 0, err
	}
	return uses[0].Title, uses[0].CourseID, nil
}

// RetireMedia implements MediaGate.
func (s *service) RetireMedia(ctx context.Context, ref string) (usedBy []string, err error) {
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.st.lockMedia(ctx, tx, ref); err != nil {
			return err
		}
		if usedBy, err = s.st.mediaUses(ctx, tx, ref); err != nil || len(usedBy) > 0 {
			return err
		}
		return s.st.retire(ctx, tx, ref, s.clock.Now())
	})
	return usedBy, err
}

// attachable takes ref's lock for the rest of tx and checks it was not retired.
func (s *service) attachable(ctx context.Context, tx bun.IDB, ref string) error {
	if ref == "" {
		return nil
	}
	if err := s.st.lockMedia(ctx, tx, ref); err != nil {
		return err
	}
	retired, err := s.st.retired(ctx, tx, ref)
	if err != nil {
		return err
	}
	if retired {
		return ErrMediaRetired
	}
	return nil
}

// SetTopicVideo implements MediaGate.
func (s *service) SetTopicVideo(ctx context.Context, p *authz.Principal, topicID int64, ref string, duration int) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.attachable(ctx, tx, ref); err != nil {
			return err
		}
		t, err := s.st.topic(ctx, tx, topicID)
		if err != nil {
			return err
		}
		if _, err := s.editable(ctx, tx, p, t.CourseID, "update"); err != nil {
			return err
		}
		if t.Kind != kindVideo {
			return invalidAt("body.topic_id", "catalog.payload_mismatch", topicID)
		}
		v, err := show[videoPayload](t.Content.V)
		if err != nil {
			return err
		}
		v.Video = ref
		if t.Content.V, err = json.Marshal(v); err != nil {
			return err
		}
		if duration > 0 {
			t.Duration = duration
		}
		t.UpdatedAt = s.clock.Now()
		return s.st.update(ctx, tx, t, "content", "duration", "updated_at")
	})
}

// SetCourseMedia implements MediaGate.
func (s *service) SetCourseMedia(ctx context.Context, p *authz.Principal, courseID int64, field, ref string) error {
	if field != "intro_video" && field != "thumbnail" {
		return invalidAt("body.field", "catalog.not_allowed:intro_video,thumbnail", field)
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.attachable(ctx, tx, ref); err != nil {
			return err
		}
		row, err := s.editable(ctx, tx, p, courseID, "update")
		if err != nil {
			return err
		}
		return s.st.setCourseMedia(ctx, tx, row.ID, field, ref, s.clock.Now())
	})
}
