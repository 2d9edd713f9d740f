package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

var _ Texts = (*service)(nil)

// Texts returns the catalog's text as the assistant reads it.
func (m *Module) Texts() Texts { return m.svc }

// TextStamps implements Texts: a hash of the course's version and of each
// live topic's id, place and last write, so any save, edit, move or
// deletion of a topic changes it.
func (s *service) TextStamps(ctx context.Context, courseIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(courseIDs) == 0 {
		return out, nil
	}
	versions, err := s.st.liveCourseVersions(ctx, s.db.R, courseIDs)
	if err != nil {
		return nil, err
	}
	topics, err := s.st.textTopics(ctx, s.db.R, courseIDs, false)
	if err != nil {
		return nil, err
	}
	hashes := map[int64][]byte{}
	for id, v := range versions {
		hashes[id] = fmt.Appendf(nil, "v%d;", v)
	}
	for _, t := range topics {
		hashes[t.CourseID] = fmt.Appendf(hashes[t.CourseID], "%d/%d/%s/%d;", t.ID, t.LectureID, t.Video, t.UpdatedAt.UnixNano())
	}
	for id, b := range hashes {
		sum := sha256.Sum256(b)
		out[id] = hex.EncodeToString(sum[:16])
	}
	return out, nil
}

// CourseTexts implements Texts.
func (s *service) CourseTexts(ctx context.Context, courseID int64) ([]TopicText, error) {
	topics, err := s.st.textTopics(ctx, s.db.R, []int64{courseID}, true)
	if err != nil {
		return nil, err
	}
	out := make([]TopicText, 0, len(topics))
	for _, t := range topics {
		tt := TopicText{TopicRef: t.TopicRef}
		switch t.Kind {
		case kindArticle:
			var p articlePayload
			if json.Unmarshal(t.Content.V, &p) == nil {
				tt.Text = p.Body
			}
		case kindVideo:
			var p videoPayload
			if json.Unmarshal(t.Content.V, &p) == nil {
				tt.Text = p.Notes
			}
		}
		out = append(out, tt)
	}
	return out, nil
}
