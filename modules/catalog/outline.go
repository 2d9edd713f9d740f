package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
)

// writer applies a CourseInput to the database inside one transaction,
// touching only what differs, so saving the same input twice changes nothing
// (not even updated_at), and rows named by id or slug keep their ids. It
// decides what to write; the store writes it.
type writer struct {
	st      store
	tx      bun.IDB
	kinds   *Kinds
	now     time.Time
	changed bool
	// importing is set for bundle imports: a file path never replaces a
	// media reference there (the file became that media on an earlier
	// import, or cannot become media on this server now), and the
	// references in imported were just made from the bundle's files.
	importing bool
	imported  map[string]bool
	// attachable checks, under the reference's lock, that media being
	// written anew was not retired (its owner deleted it).
	attachable func(ctx context.Context, tx bun.IDB, ref string) error
	// The course's live questions by topic and choices by question, loaded
	// once per outline save.
	questions map[int64][]questionRow
	choices   map[int64][]choiceRow
}

// writer returns a writer on tx.
func (s *service) writer(tx bun.IDB) *writer {
	return &writer{st: s.st, tx: tx, kinds: s.kinds, now: s.clock.Now(), attachable: s.attachable}
}

func (w *writer) insert(ctx context.Context, row any) error {
	w.changed = true
	return w.st.insert(ctx, w.tx, row)
}

func (w *writer) update(ctx context.Context, row any, cols ...string) error {
	w.changed = true
	return w.st.update(ctx, w.tx, row, cols...)
}

// mediaRefPrefix starts every media reference ("media:video:7").
const mediaRefPrefix = "media:"

// mediaRef checks a media reference field being set from new (old is the
// stored value) and returns the value to store. A reference that is not
// already there is refused: uploaded media are attached only through the
// media module, which checks that they belong to the caller (MediaGate) —
// except the references a bundle import just made from its own files. On
// import, a file path never replaces a reference (see writer.importing);
// an empty value still removes it. oldLive tells whether old is on a live
// row: a topic brought back from the deleted ones brings its video back.
//
// A reference written anew (an import's, or one brought back) is checked
// under its lock not to be retired: its owner may have deleted the media
// meanwhile, and a retired reference is never attached again.
func (w *writer) mediaRef(ctx context.Context, loc, old, new string, oldLive bool) (string, error) {
	isRef := strings.HasPrefix(new, mediaRefPrefix)
	switch {
	case isRef && new != old && !w.imported[new]:
		return "", invalidAt(loc, "catalog.media_ref_not_allowed", new)
	case w.importing && new != "" && !isRef && strings.HasPrefix(old, mediaRefPrefix):
		new = old
	}
	if strings.HasPrefix(new, mediaRefPrefix) && (new != old || !oldLive) {
		if err := w.attachable(ctx, w.tx, new); errors.Is(err, ErrMediaRetired) {
			return "", invalidAt(loc, "catalog.media_deleted", new)
		} else if err != nil {
			return "", err
		}
	}
	return new, nil
}

// saveCourseRow inserts or updates the course's own columns.
func (w *writer) saveCourseRow(ctx context.Context, row *courseRow, in *CourseInput, isNew bool) error {
	introVideo, err := w.mediaRef(ctx, "body.intro_video", row.IntroVideo, in.IntroVideo, !isNew && row.DeletedAt == nil)
	if err != nil {
		return err
	}
	thumbnail, err := w.mediaRef(ctx, "body.thumbnail", row.Thumbnail, in.Thumbnail, !isNew && row.DeletedAt == nil)
	if err != nil {
		return err
	}
	next := *row
	next.Slug, next.Title, next.Summary, next.Description = in.Slug, in.Title, in.Summary, in.Description
	next.Category, next.SkillLevel, next.Price, next.AccessDays = in.Category, in.SkillLevel, in.Price, in.AccessDays
	next.Credits, next.EstimatedHours, next.Status = in.Credits, in.EstimatedHours, in.Status
	next.Tags.V, next.Certificate.V = nonNil(in.Tags), in.Certificate
	next.Thumbnail, next.IntroVideo = thumbnail, introVideo
	next.DeletedAt = nil
	if isNew {
		next.CreatedAt, next.UpdatedAt, next.Version = w.now, w.now, 1
		if err := w.insert(ctx, &next); err != nil {
			return err
		}
		*row = next
		return nil
	}
	if reflect.DeepEqual(next, *row) {
		return nil
	}
	next.UpdatedAt = w.now
	if err := w.update(ctx, &next, "slug", "title", "summary", "description", "category", "skill_level", "price",
		"access_days", "credits", "estimated_hours", "tags", "status", "thumbnail", "intro_video", "certificate", "updated_at", "deleted_at"); err != nil {
		return err
	}
	*row = next
	return nil
}

// savePrerequisites replaces the course's prerequisites with the courses
// named by slug, among those the scope allows (the caller may read).
func (w *writer) savePrerequisites(ctx context.Context, courseID int64, slugs []string, sc authz.Scope, uid int64) error {
	want := []int64{}
	if len(slugs) > 0 {
		bySlug, err := w.st.courseIDsBySlug(ctx, w.tx, slugs, sc, uid)
		if err != nil {
			return err
		}
		for i, s := range slugs {
			id, ok := bySlug[s]
			if !ok {
				return invalidAt(fmt.Sprintf("body.prerequisites[%d]", i), "catalog.unknown_course", s)
			}
			want = append(want, id)
		}
	}
	have, err := w.st.prerequisiteIDs(ctx, w.tx, courseID)
	if err != nil {
		return err
	}
	slices.Sort(want)
	want = slices.Compact(want)
	slices.Sort(have)
	if slices.Equal(want, have) {
		return nil
	}
	w.changed = true
	return w.st.replacePrerequisites(ctx, w.tx, courseID, want)
}

// saveOutline makes the course's live lectures and topics exactly those of
// the input, in its order. A lecture or topic is matched by id (when the
// input names one; it must belong to the course), else by slug among live
// rows, else by slug among deleted ones (which are restored); unmatched live
// rows are soft-deleted. Ids therefore survive reordering, renaming, moving a
// topic to another lecture, and re-imports.
func (w *writer) saveOutline(ctx context.Context, courseID int64, lectures []LectureInput) error {
	oldLectures, oldTopics, err := w.st.allOutline(ctx, w.tx, courseID)
	if err != nil {
		return err
	}
	lectureByID := map[int64]*lectureRow{}
	for i := range oldLectures {
		lectureByID[oldLectures[i].ID] = &oldLectures[i]
	}
	topicByID := map[int64]*topicRow{}
	for i := range oldTopics {
		topicByID[oldTopics[i].ID] = &oldTopics[i]
	}

	// 1. Match every input row to an existing row (or none): explicit ids
	// first (so the order of the request never matters), then slugs within
	// the lecture, then — for a topic moved to another lecture in a bundle,
	// which cannot carry ids — a slug that is unique in the whole course.
	usedL := map[int64]bool{}
	usedT := map[int64]bool{}
	lMatch := make([]*lectureRow, len(lectures))
	tMatch := make([][]*topicRow, len(lectures))
	for i, l := range lectures {
		tMatch[i] = make([]*topicRow, len(l.Topics))
		if l.ID != nil {
			r, ok := lectureByID[*l.ID]
			loc := fmt.Sprintf("body.lectures[%d].id", i)
			if !ok {
				return invalidAt(loc, "catalog.unknown_lecture", *l.ID)
			}
			if usedL[r.ID] {
				return invalidAt(loc, "catalog.duplicate", r.ID)
			}
			usedL[r.ID], lMatch[i] = true, r
		}
		for j, t := range l.Topics {
			if t.ID == nil {
				continue
			}
			loc := fmt.Sprintf("body.lectures[%d].topics[%d].id", i, j)
			r, ok := topicByID[*t.ID]
			if !ok {
				return invalidAt(loc, "catalog.unknown_topic", *t.ID)
			}
			if usedT[r.ID] {
				return invalidAt(loc, "catalog.duplicate", r.ID)
			}
			usedT[r.ID], tMatch[i][j] = true, r
		}
	}
	live := func(r *lectureRow) bool { return r.DeletedAt == nil }
	for i, l := range lectures {
		if lMatch[i] == nil {
			if r := pickBySlug(oldLectures, usedL, func(r *lectureRow) int64 { return r.ID },
				func(r *lectureRow) bool { return r.Slug == l.Slug }, live); r != nil {
				usedL[r.ID], lMatch[i] = true, r
			}
		}
	}
	liveTopic := func(r *topicRow) bool { return r.DeletedAt == nil }
	topicID := func(r *topicRow) int64 { return r.ID }
	for i, l := range lectures {
		if lMatch[i] == nil {
			continue
		}
		lid := lMatch[i].ID
		for j, t := range l.Topics {
			if tMatch[i][j] == nil {
				if r := pickBySlug(oldTopics, usedT, topicID, func(r *topicRow) bool { return r.LectureID == lid && r.Slug == t.Slug }, liveTopic); r != nil {
					usedT[r.ID], tMatch[i][j] = true, r
				}
			}
		}
	}
	liveSlugs := map[string]int{}
	for _, r := range oldTopics {
		if r.DeletedAt == nil {
			liveSlugs[r.Slug]++
		}
	}
	for i, l := range lectures {
		for j, t := range l.Topics {
			if tMatch[i][j] != nil || liveSlugs[t.Slug] != 1 {
				continue
			}
			if r := pickBySlug(oldTopics, usedT, topicID, func(r *topicRow) bool { return r.Slug == t.Slug && r.DeletedAt == nil }, liveTopic); r != nil {
				usedT[r.ID], tMatch[i][j] = true, r
			}
		}
	}
	if err := w.loadQuestions(ctx, oldTopics); err != nil {
		return err
	}

	// 2. Soft-delete live rows no input kept (frees their slugs first).
	for i := range oldTopics {
		r := &oldTopics[i]
		if r.DeletedAt == nil && !usedT[r.ID] {
			r.DeletedAt = &w.now
			if err := w.update(ctx, r, "deleted_at"); err != nil {
				return err
			}
			if err := w.saveQuestions(ctx, "", r.ID, nil); err != nil {
				return err
			}
		}
	}
	for i := range oldLectures {
		r := &oldLectures[i]
		if r.DeletedAt == nil && !usedL[r.ID] {
			r.DeletedAt = &w.now
			if err := w.update(ctx, r, "deleted_at"); err != nil {
				return err
			}
		}
	}
	// 3. Rows whose slug or lecture changes take a temporary slug first, so
	// swaps never collide on the unique index.
	for i, l := range lectures {
		if r := lMatch[i]; r != nil && r.Slug != l.Slug && r.DeletedAt == nil {
			r.Slug = fmt.Sprintf("~%d", r.ID)
			if err := w.update(ctx, r, "slug"); err != nil {
				return err
			}
		}
	}
	for i, l := range lectures {
		for j, t := range l.Topics {
			r := tMatch[i][j]
			if r != nil && r.DeletedAt == nil && (r.Slug != t.Slug || lMatch[i] == nil || r.LectureID != lMatch[i].ID) {
				r.Slug = fmt.Sprintf("~%d", r.ID)
				if err := w.update(ctx, r, "slug"); err != nil {
					return err
				}
			}
		}
	}
	// 4. Write the final rows.
	for i, l := range lectures {
		lr := lMatch[i]
		next := lectureRow{CourseID: courseID, Slug: l.Slug, Position: i, Title: l.Title, Summary: l.Summary}
		if lr == nil {
			next.CreatedAt, next.UpdatedAt = w.now, w.now
			if err := w.insert(ctx, &next); err != nil {
				return err
			}
			lr = &next
		} else {
			next.ID, next.CreatedAt, next.UpdatedAt = lr.ID, lr.CreatedAt, lr.UpdatedAt
			if !reflect.DeepEqual(next, *lr) {
				next.UpdatedAt = w.now
				if err := w.update(ctx, &next, "slug", "position", "title", "summary", "updated_at", "deleted_at"); err != nil {
					return err
				}
			}
			lr = &next
		}
		for j := range l.Topics {
			loc := fmt.Sprintf("body.lectures[%d].topics[%d].", i, j)
			if err := w.saveTopic(ctx, loc, courseID, lr.ID, j, &l.Topics[j], tMatch[i][j]); err != nil {
				return err
			}
		}
	}
	return nil
}

// pickBySlug returns the first unused row matching, preferring preferred ones.
func pickBySlug[R any](rows []R, used map[int64]bool, id func(*R) int64, match func(*R) bool, preferred func(*R) bool) *R {
	var fallback *R
	for i := range rows {
		r := &rows[i]
		if !match(r) || used[id(r)] {
			continue
		}
		if preferred(r) {
			return r
		}
		if fallback == nil || id(r) > id(fallback) {
			fallback = r // the most recently created deleted row
		}
	}
	return fallback
}

// saveTopic writes a topic and its questions; loc is the topic's location
// in errors ("body.lectures[0].topics[1].").
func (w *writer) saveTopic(ctx context.Context, loc string, courseID, lectureID int64, pos int, t *TopicInput, old *topicRow) error {
	content, err := w.content(ctx, loc, t, old)
	if err != nil {
		return err
	}
	next := topicRow{LectureID: lectureID, CourseID: courseID, Slug: t.Slug, Position: pos, Title: t.Title, Kind: t.Kind,
		Premium: t.Premium, Mission: t.Mission, PassScore: t.PassScore, MaxAttempts: t.MaxAttempts, Duration: t.Duration}
	next.Content.V = content
	if old == nil {
		next.CreatedAt, next.UpdatedAt = w.now, w.now
		if err := w.insert(ctx, &next); err != nil {
			return err
		}
	} else {
		next.ID, next.CreatedAt, next.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
		if !sameTopic(&next, old) {
			next.UpdatedAt = w.now
			if err := w.update(ctx, &next, "lecture_id", "slug", "position", "title", "kind", "is_premium", "mission",
				"pass_score", "max_attempts", "duration", "content", "updated_at", "deleted_at"); err != nil {
				return err
			}
		}
	}
	return w.saveQuestions(ctx, loc, next.ID, t.Questions)
}

// content is the payload to store for a (validated) topic: its kind's
// Payload. A video's references are checked first (see mediaRef): a topic
// keeps the video it has (and its captions) unless the input may change it.
func (w *writer) content(ctx context.Context, loc string, t *TopicInput, old *topicRow) (json.RawMessage, error) {
	kind, _ := w.kinds.Get(t.Kind) // the input was validated: its kind is registered
	in := *t
	if t.Kind == kindVideo {
		var prev videoPayload
		if old != nil {
			var err error
			if prev, err = show[videoPayload](old.Content.V); err != nil {
				return nil, err
			}
		}
		oldLive := old != nil && old.DeletedAt == nil
		video, err := w.mediaRef(ctx, loc+"video", prev.Video, in.Video, oldLive)
		if err != nil {
			return nil, err
		}
		if video != in.Video {
			in.Video, in.Captions = video, prev.Captions
		}
		if _, err := w.mediaRef(ctx, loc+"captions", prev.Captions, in.Captions, oldLive); err != nil {
			return nil, err
		}
	}
	return json.Marshal(kind.Payload(&in))
}

// sameTopic compares two topic rows, their JSON content by value (Postgres
// gives JSONB back reformatted).
func sameTopic(a, b *topicRow) bool {
	x, y := *a, *b
	x.Content = y.Content
	var ca, cb any
	return json.Unmarshal(a.Content.V, &ca) == nil && json.Unmarshal(b.Content.V, &cb) == nil &&
		reflect.DeepEqual(ca, cb) && reflect.DeepEqual(x, y)
}

// loadQuestions reads the live questions and choices of the course's topics
// in two queries, so saving an outline costs no query per topic.
func (w *writer) loadQuestions(ctx context.Context, topics []topicRow) error {
	ids := make([]int64, 0, len(topics))
	for _, t := range topics {
		ids = append(ids, t.ID)
	}
	qs, choices, err := w.st.questions(ctx, w.tx, ids)
	if err != nil {
		return err
	}
	w.questions, w.choices = map[int64][]questionRow{}, choices
	for _, q := range qs {
		w.questions[q.TopicID] = append(w.questions[q.TopicID], q)
	}
	return nil
}

// saveQuestions makes the topic's live questions those of the input. A
// question keeps its id only while it keeps its prompt (or when the input
// names its id): attempts refer to question and choice ids, so an id must
// never come to mean another question. Choices likewise keep their id only
// with their text; correctness and order may change.
// loc is the topic's location in errors (see saveTopic).
func (w *writer) saveQuestions(ctx context.Context, loc string, topicID int64, qs []QuestionInput) error {
	old := w.questions[topicID]
	used := map[int64]bool{}
	match := make([]*questionRow, len(qs))
	for i, q := range qs {
		if q.ID == nil {
			continue
		}
		for k := range old {
			if old[k].ID == *q.ID && !used[old[k].ID] {
				match[i], used[old[k].ID] = &old[k], true
			}
		}
		if match[i] == nil {
			return invalidAt(fmt.Sprintf("%squestions[%d].id", loc, i), "catalog.unknown_question", *q.ID)
		}
	}
	for i, q := range qs {
		for k := range old {
			if match[i] == nil && !used[old[k].ID] && old[k].Prompt == q.Prompt {
				match[i], used[old[k].ID] = &old[k], true
			}
		}
	}
	for k := range old {
		if !used[old[k].ID] {
			old[k].DeletedAt = &w.now
			if err := w.update(ctx, &old[k], "deleted_at"); err != nil {
				return err
			}
			if err := w.saveChoices(ctx, "", old[k].ID, nil); err != nil {
				return err
			}
		}
	}
	for i, q := range qs {
		next := questionRow{TopicID: topicID, Position: i, Prompt: q.Prompt, Explanation: q.Explanation, Multiple: q.Multiple}
		if m := match[i]; m != nil {
			next.ID = m.ID
			if next != *m {
				if err := w.update(ctx, &next, "position", "prompt", "explanation", "multiple"); err != nil {
					return err
				}
			}
		} else if err := w.insert(ctx, &next); err != nil {
			return err
		}
		if err := w.saveChoices(ctx, fmt.Sprintf("%squestions[%d].", loc, i), next.ID, q.Choices); err != nil {
			return err
		}
	}
	return nil
}

// loc is the question's location in errors.
func (w *writer) saveChoices(ctx context.Context, loc string, questionID int64, cs []ChoiceInput) error {
	old := w.choices[questionID]
	used := map[int64]bool{}
	match := make([]*choiceRow, len(cs))
	for i, c := range cs {
		for k := range old {
			if match[i] == nil && !used[old[k].ID] && ((c.ID != nil && old[k].ID == *c.ID) || (c.ID == nil && old[k].Text == c.Text)) {
				match[i], used[old[k].ID] = &old[k], true
			}
		}
		if c.ID != nil && match[i] == nil {
			return invalidAt(fmt.Sprintf("%schoices[%d].id", loc, i), "catalog.unknown_choice", *c.ID)
		}
	}
	for k := range old {
		if !used[old[k].ID] {
			old[k].DeletedAt = &w.now
			if err := w.update(ctx, &old[k], "deleted_at"); err != nil {
				return err
			}
		}
	}
	for i, c := range cs {
		next := choiceRow{QuestionID: questionID, Position: i, Text: c.Text, IsCorrect: c.Correct}
		if m := match[i]; m != nil {
			next.ID = m.ID
			if next != *m {
				if err := w.update(ctx, &next, "position", "text", "is_correct"); err != nil {
					return err
				}
			}
		} else if err := w.insert(ctx, &next); err != nil {
			return err
		}
	}
	return nil
}
