package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Import upserts a bundle by slug in one transaction: new slugs are created
// (authored by authorID), existing ones updated in place keeping their ids,
// and what did not change is not touched — importing the same bundle twice
// leaves the database as it was.
//
// With media, the bundle's video files are imported first (each distinct
// file once) and topics name the resulting media; b is updated in place.
func (s *service) Import(ctx context.Context, b *Bundle, authorID int64) (ImportReport, error) {
	media := s.bundleMedia.Get()
	rep := ImportReport{Created: []string{}, Updated: []string{}, Unchanged: []string{}}
	var problems []apperr.FieldError
	if b.Curriculum != nil {
		b.Curriculum.Normalize()
		problems = append(problems, ValidateCurriculum(b.Curriculum)...)
	}
	for i := range b.Courses {
		b.Courses[i].Normalize(s.kinds)
		for _, e := range ValidateCourse(&b.Courses[i], s.kinds) {
			e.Location = b.Courses[i].Slug + ": " + e.Location
			problems = append(problems, e)
		}
	}
	if len(problems) > 0 {
		return rep, apperr.InvalidFields("catalog.bundle_invalid", problems...)
	}
	// Media first, outside the catalog's transaction: storing videos takes
	// a while and has its own transactions (on SQLite the writer is one
	// connection, so they could not run inside this one).
	imported, created, err := s.importMedia(ctx, b, authorID, media)
	defer func() {
		// A refused import leaves no media behind either (what an earlier
		// import made stays: the courses name it).
		if err != nil && len(created) > 0 {
			media.Discard(context.WithoutCancel(ctx), created)
		}
	}()
	if err != nil {
		return rep, err
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rep = ImportReport{Created: []string{}, Updated: []string{}, Unchanged: []string{}}
		ids := map[string]int64{}
		writers := map[string]*writer{}
		created := map[string]bool{}
		for i := range b.Courses {
			in := &b.Courses[i]
			row, err := s.st.courseBySlug(ctx, tx, in.Slug, authorID)
			if err != nil {
				return err
			}
			isNew := row == nil
			if isNew {
				row = &courseRow{AuthorID: authorID}
			} else if row.DeletedAt != nil || !row.IsOwner {
				// Never overwrite a course someone else wrote, nor revive
				// one an admin deleted.
				return importConflict("catalog.import_conflict", in.Slug)
			}
			w := s.writer(tx)
			w.importing, w.imported = true, imported
			if err := w.saveCourseRow(ctx, row, in, isNew); err != nil {
				return err
			}
			if err := w.saveOutline(ctx, row.ID, in.Lectures); err != nil {
				return err
			}
			if !isNew && w.changed {
				if err := s.st.bumpVersion(ctx, tx, row); err != nil {
					return err
				}
			}
			ids[in.Slug], writers[in.Slug], created[in.Slug] = row.ID, w, isNew
		}
		for i := range b.Courses {
			in := &b.Courses[i]
			// The bundle's author may name any course as a prerequisite.
			if err := writers[in.Slug].savePrerequisites(ctx, ids[in.Slug], in.Prerequisites, authz.Scope{All: true}, authorID); err != nil {
				return err
			}
		}
		if cu := b.Curriculum; cu != nil {
			row, err := s.st.curriculumBySlug(ctx, tx, cu.Slug, authorID)
			if err != nil {
				return err
			}
			isNew := row == nil
			if isNew {
				row = &curriculumRow{AuthorID: authorID}
			} else if row.DeletedAt != nil || !row.IsOwner {
				// As for courses: never overwrite a curriculum someone else
				// wrote, nor revive one that was deleted.
				return importConflict("catalog.import_curriculum_conflict", cu.Slug)
			}
			w := s.writer(tx)
			if err := w.saveCurriculumRow(ctx, row, cu, isNew); err != nil {
				return err
			}
			order := make([]int64, 0, len(cu.Courses))
			for _, slug := range cu.Courses {
				id, ok := ids[slug]
				if !ok {
					if id, err = s.st.courseIDBySlug(ctx, tx, slug); errors.Is(err, apperr.NotFound) {
						return invalidAt("courses", "catalog.unknown_course", slug)
					} else if err != nil {
						return err
					}
				}
				order = append(order, id)
			}
			if err := w.placeCourses(ctx, row.ID, order); err != nil {
				return err
			}
			report(&rep, "curriculum "+cu.Slug, isNew, w.changed)
		}
		for i := range b.Courses {
			slug := b.Courses[i].Slug
			report(&rep, slug, created[slug], writers[slug].changed)
		}
		return nil
	})
	return rep, err
}

// importConflict refuses an import that would take over a row (a course or
// a curriculum, which msg names) of the same slug that is another author's
// or was deleted. The code is the same for both.
func importConflict(msg, slug string) error {
	return apperr.New(apperr.Conflict, "catalog.import_conflict", msg).
		With(map[string]any{"Slug": slug}).Because(fmt.Errorf("%q exists (deleted or another author's)", slug))
}

func report(rep *ImportReport, name string, created, changed bool) {
	switch {
	case created:
		rep.Created = append(rep.Created, name)
	case changed:
		rep.Updated = append(rep.Updated, name)
	default:
		rep.Unchanged = append(rep.Unchanged, name)
	}
}

// importMedia imports the video and image files b names through media and
// replaces their paths in b by the references it returns (captions go with
// their video). Images need no ffmpeg: they are imported even where videos
// cannot be. It returns the references so made: the import may set them,
// where a tree update may only keep the references a course has.
func (s *service) importMedia(ctx context.Context, b *Bundle, owner int64, media BundleMedia) (imported map[string]bool, created []string, err error) {
	imported = map[string]bool{}
	if b.Files == nil {
		return imported, nil, nil
	}
	refs := map[[2]string]string{}
	unavailable := false
	resolve := func(video, captions *string) error {
		if unavailable || *video == "" || strings.HasPrefix(*video, mediaRefPrefix) {
			return nil
		}
		k := [2]string{*video, *captions}
		ref, ok := refs[k]
		if !ok {
			var err error
			var isNew bool
			ref, isNew, err = media.ImportVideo(ctx, owner, b.Files, *video, *captions)
			if isNew {
				created = append(created, ref)
			}
			if errors.Is(err, ErrMediaUnavailable) {
				s.logger.WarnContext(ctx, "bundle import: videos stay file paths until this server can take videos (ffmpeg)", "file", *video)
				unavailable = true
				return nil
			}
			if err != nil {
				return &BundleFileError{File: *video, Err: err}
			}
			refs[k], imported[ref] = ref, true
		}
		*video, *captions = ref, ""
		return nil
	}
	images := map[string]string{}
	for i := range b.Courses {
		c := &b.Courses[i]
		none := ""
		if err := resolve(&c.IntroVideo, &none); err != nil {
			return nil, created, err
		}
		if th := c.Thumbnail; th != "" && !strings.HasPrefix(th, mediaRefPrefix) {
			ref, ok := images[th]
			if !ok {
				var isNew bool
				if ref, isNew, err = media.ImportImage(ctx, owner, b.Files, th); err != nil {
					return nil, created, &BundleFileError{File: th, Err: err}
				}
				if isNew {
					created = append(created, ref)
				}
				images[th], imported[ref] = ref, true
			}
			c.Thumbnail = ref
		}
		for li := range c.Lectures {
			for ti := range c.Lectures[li].Topics {
				t := &c.Lectures[li].Topics[ti]
				if t.Kind != kindVideo {
					continue
				}
				if err := resolve(&t.Video, &t.Captions); err != nil {
					return nil, created, err
				}
			}
		}
	}
	return imported, created, nil
}
