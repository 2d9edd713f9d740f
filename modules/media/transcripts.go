package media

import (
	"context"
	"errors"
	"io"

	"github.com/weaverse/weaverse/platform/storage"
)

var _ Transcripts = (*service)(nil)

// Transcripts returns the captions as the assistant reads them.
func (m *Module) Transcripts() Transcripts { return m.svc }

// CaptionTracks implements Transcripts.
func (s *service) CaptionTracks(ctx context.Context, videoIDs []int64) (map[int64][]CaptionTrack, error) {
	out := map[int64][]CaptionTrack{}
	if len(videoIDs) == 0 {
		return out, nil
	}
	rows, err := s.st.liveVideos(ctx, s.db.R, videoIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		for _, c := range r.Captions.V {
			out[r.ID] = append(out[r.ID], CaptionTrack{Lang: c.Lang, SHA256: c.SHA256})
		}
	}
	return out, nil
}

// ReadCaptions implements Transcripts.
func (s *service) ReadCaptions(ctx context.Context, videoID int64, lang string) ([]byte, error) {
	rows, err := s.st.liveVideos(ctx, s.db.R, []int64{videoID})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		for _, c := range r.Captions.V {
			if c.Lang != lang {
				continue
			}
			obj, err := s.files.Open(ctx, c.Key)
			if errors.Is(err, storage.ErrNotFound) {
				return nil, errCaptionNotFound
			}
			if err != nil {
				return nil, err
			}
			defer func() { _ = obj.Close() }()
			return io.ReadAll(io.LimitReader(obj, MaxCaptionBytes+1))
		}
	}
	return nil, errCaptionNotFound
}
