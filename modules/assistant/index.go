package assistant

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
)

// The index: each course's passages are built from its content and kept
// with the stamp of that content (the catalog's TextStamps and the SHA-256
// of every captions track of its videos). Before a question is answered
// the stamps of the courses searched are compared, and a course whose
// content changed is rebuilt then — no save path of the catalog or the
// media library can be missed, and a course nobody asks about costs
// nothing. The check is a few indexed reads per question.

// maxCaptionTracks bounds the captions languages indexed per video.
const maxCaptionTracks = 3

// contentStamps returns the current stamp of each live course among ids.
func (s *service) contentStamps(ctx context.Context, ids []int64) (map[int64]string, error) {
	stamps, err := s.texts.TextStamps(ctx, ids)
	if err != nil {
		return nil, err
	}
	refs, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var videos []int64
	videoCourse := map[int64][]int64{}
	for cid, ts := range refs {
		for _, t := range ts {
			if id, ok := videoIDOf(t.Video); ok {
				videos = append(videos, id)
				videoCourse[id] = append(videoCourse[id], cid)
			}
		}
	}
	tracks, err := s.transcripts.CaptionTracks(ctx, videos)
	if err != nil {
		return nil, err
	}
	extra := map[int64][]string{}
	for vid, ts := range tracks {
		for _, cid := range videoCourse[vid] {
			for _, t := range ts {
				extra[cid] = append(extra[cid], fmt.Sprintf("%d/%s/%s", vid, t.Lang, t.SHA256))
			}
		}
	}
	for cid, st := range stamps {
		parts := extra[cid]
		slices.Sort(parts)
		h := sha256.New()
		h.Write([]byte(st))
		for _, p := range parts {
			h.Write([]byte(";" + p))
		}
		stamps[cid] = hex.EncodeToString(h.Sum(nil)[:16])
	}
	return stamps, nil
}

// ensureIndexed rebuilds the passages of the courses among ids whose
// content changed since they were built.
func (s *service) ensureIndexed(ctx context.Context, ids []int64) error {
	current, err := s.contentStamps(ctx, ids)
	if err != nil {
		return err
	}
	built, err := s.st.indexStamps(ctx, s.db.R, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		stamp, live := current[id]
		if !live {
			stamp = "gone" // a deleted course keeps no passages
		}
		if built[id] == stamp {
			continue
		}
		_, err, _ := s.indexing.Do(strconv.FormatInt(id, 10), func() (any, error) {
			return nil, s.rebuild(ctx, id, stamp, live)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// rebuild replaces a course's passages with ones built from its content
// now: every topic's title, articles' and notes' paragraphs, and the cues
// of the captions of its videos grouped by about 30 seconds.
func (s *service) rebuild(ctx context.Context, courseID int64, stamp string, live bool) error {
	var rows []passageRow
	if live {
		topics, err := s.texts.CourseTexts(ctx, courseID)
		if err != nil {
			return err
		}
		for _, t := range topics {
			add := func(ps []piece) {
				for _, p := range ps {
					rows = append(rows, passageRow{CourseID: courseID, TopicID: t.ID, TopicTitle: t.Title, Kind: p.Kind,
						StartMS: p.StartMS, Body: p.Body})
				}
			}
			add([]piece{{Kind: kindTitle, StartMS: -1, Body: t.Title}})
			switch t.Kind {
			case "article":
				add(textPieces(kindArticle, t.Text))
			case "video":
				add(textPieces(kindNotes, t.Text))
				ps, err := s.captionPieces(ctx, t)
				if err != nil {
					return err
				}
				add(ps)
			}
		}
	}
	// Instances rebuilding one course at once take turns (a lock per
	// course); the later one finds the stamp written and changes nothing.
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.db.LockKey(ctx, tx, "assistant.index:"+strconv.FormatInt(courseID, 10)); err != nil {
			return err
		}
		built, err := s.st.indexStamps(ctx, tx, []int64{courseID})
		if err != nil || built[courseID] == stamp {
			return err
		}
		return s.st.replacePassages(ctx, tx, courseID, stamp, s.clock.Now(), rows)
	})
}

// captionPieces reads a video topic's captions (Korean first, then the
// others, at most maxCaptionTracks) into passages.
func (s *service) captionPieces(ctx context.Context, t catalog.TopicText) ([]piece, error) {
	vid, ok := videoIDOf(t.Video)
	if !ok {
		return nil, nil
	}
	tracks, err := s.transcripts.CaptionTracks(ctx, []int64{vid})
	if err != nil {
		return nil, err
	}
	ts := tracks[vid]
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Lang == "ko" && ts[j].Lang != "ko" })
	var out []piece
	for i, tr := range ts {
		if i == maxCaptionTracks {
			break
		}
		data, err := s.transcripts.ReadCaptions(ctx, vid, tr.Lang)
		if apperr.KindOf(err) == apperr.NotFound {
			continue // removed meanwhile: the next stamp differs
		}
		if err != nil {
			return nil, err
		}
		out = append(out, captionPieces(parseVTT(data))...)
	}
	return out, nil
}

// hit is a passage found for a question, with its score.
type hit struct {
	row   passageRow
	score float64
	terms int
}

// searchLimit bounds the passages one term brings back.
const searchLimit = 100

// retrieve finds the passages that best answer question among the courses
// (the current one first): each term is searched with the text index,
// a passage scores the lengths of the terms it contains (more for several
// terms, and for a term found more than once), and the current topic and course weigh more. The caption playing
// at videoMS in the current topic, when there is one, comes first: it is
// what the learner is looking at.
func (s *service) retrieve(ctx context.Context, courseIDs []int64, a *askable, question string, videoMS int64) ([]passageRow, error) {
	byID := map[int64]*hit{}
	for _, term := range searchTerms(question) {
		rows, err := s.st.searchPassages(ctx, s.db.R, courseIDs, term, searchLimit)
		if err != nil {
			return nil, err
		}
		w := float64(min(utf8.RuneCountInString(term), 8))
		for _, r := range rows {
			h := byID[r.ID]
			if h == nil {
				h = &hit{row: r}
				byID[r.ID] = h
			}
			// More occurrences weigh more, up to three.
			tf := min(strings.Count(strings.ToLower(r.Body), term), 3)
			h.score += w * (1 + 0.5*float64(max(tf, 1)-1))
			h.terms++
		}
	}
	hits := make([]*hit, 0, len(byID))
	for _, h := range byID {
		h.score *= 1 + 0.5*float64(h.terms-1)
		switch {
		case h.row.TopicID == a.ref.ID:
			h.score *= 1.5
		case h.row.CourseID == a.ref.CourseID:
			h.score *= 1.2
		}
		if h.row.Kind == kindTitle {
			h.score *= 0.8 // a title alone says little
		}
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].row.ID < hits[j].row.ID
	})
	var out []passageRow
	seen := map[int64]bool{}
	if videoMS >= 0 {
		if r, err := s.st.captionAt(ctx, s.db.R, a.ref.ID, videoMS); err != nil {
			return nil, err
		} else if r != nil {
			out = append(out, *r)
			seen[r.ID] = true
		}
	}
	for _, h := range hits {
		if len(out) >= s.settings.Passages {
			break
		}
		if !seen[h.row.ID] {
			out = append(out, h.row)
			seen[h.row.ID] = true
		}
	}
	if len(hits) == 0 {
		// Nothing matched: the topic itself is the best context there is.
		rows, err := s.st.topicPassages(ctx, s.db.R, a.ref.ID, s.settings.Passages)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(out) < s.settings.Passages && !seen[r.ID] {
				out = append(out, r)
				seen[r.ID] = true
			}
		}
	}
	return out, nil
}

// searchedCourses returns the courses a question searches: the current one
// first, then the other indexed courses p is entitled to.
func (s *service) searchedCourses(ctx context.Context, userID, current int64) ([]int64, error) {
	indexed, err := s.st.indexedCourses(ctx, s.db.R)
	if err != nil {
		return nil, err
	}
	others := slices.DeleteFunc(indexed, func(id int64) bool { return id == current })
	out := []int64{current}
	if len(others) == 0 {
		return out, nil
	}
	ok, err := s.entitlements.EntitledCourses(ctx, userID, others)
	if err != nil {
		return nil, err
	}
	for _, id := range others {
		if ok[id] {
			out = append(out, id)
		}
	}
	return out, nil
}
