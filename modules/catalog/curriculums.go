package catalog

import (
	"context"
	"fmt"
	"reflect"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/authz"
)

// curriculumFilter selects curriculums.
type curriculumFilter struct {
	Search, Category, SkillLevel, Ordering string
	Limit, Offset                          int
}

// ListCurriculums returns published curriculums with their course counts.
func (s *service) ListCurriculums(ctx context.Context, f curriculumFilter) ([]CurriculumSummary, int, error) {
	rows, count, err := s.st.curriculums(ctx, s.db.R, f)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.curriculumSummaries(ctx, rows)
	return out, count, err
}

// curriculumSummaries builds list items: one query for the counts of
// courses, one for the authors.
func (s *service) curriculumSummaries(ctx context.Context, rows []curriculumRow) ([]CurriculumSummary, error) {
	return listItems(ctx, s.users, rows, func(r *curriculumRow) (int64, int64) { return r.ID, r.AuthorID },
		func(ids []int64) (map[int64]int, error) { return s.st.publishedCourseCounts(ctx, s.db.R, ids) },
		func(r *curriculumRow, courses int, a accounts.User) CurriculumSummary {
			return CurriculumSummary{ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Category: r.Category,
				SkillLevel: r.SkillLevel, Price: r.Price, AccessDays: r.AccessDays, Tags: nonNil(r.Tags.V), Status: r.Status,
				CourseCount: courses, Author: Author{ID: a.ID, Nickname: a.Nickname}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		})
}

// Curriculum returns a curriculum with its courses in roadmap order.
func (s *service) Curriculum(ctx context.Context, p *authz.Principal, ref string) (*CurriculumDetail, error) {
	d, _, err := s.curriculum(ctx, p, ref)
	return d, err
}

// curriculum loads a curriculum p may read (catalog.curriculum read; 404
// otherwise) with its courses in roadmap order, and their rows with p's
// relations to them. Those who may change the curriculum see its draft
// courses too.
func (s *service) curriculum(ctx context.Context, p *authz.Principal, ref string) (*CurriculumDetail, []courseRow, error) {
	uid := userID(p)
	r, err := s.st.curriculum(ctx, s.db.R, ref, uid)
	if err != nil {
		return nil, nil, err
	}
	if err := s.readable(p, objCurriculum, r.rels, errCurriculumNotFound); err != nil {
		return nil, nil, err
	}
	sums, err := s.curriculumSummaries(ctx, []curriculumRow{*r})
	if err != nil {
		return nil, nil, err
	}
	drafts := s.authz.Allowed(p, objCurriculum, "update", r.of()...)
	rows, err := s.st.curriculumCourses(ctx, s.db.R, r.ID, drafts, uid)
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.summaries(ctx, rows)
	if err != nil {
		return nil, nil, err
	}
	return &CurriculumDetail{CurriculumSummary: sums[0], Description: r.Description, Courses: cs}, rows, nil
}

// SaveCurriculum creates (id == 0) or replaces a curriculum; courseIDs, in
// order, become its courses (a course being added must be one the caller
// may change).
func (s *service) SaveCurriculum(ctx context.Context, p *authz.Principal, id int64, in CurriculumInput, courseIDs []int64) (*CurriculumDetail, error) {
	in.Normalize()
	in.Courses = nil
	uid := userID(p)
	var saved int64
	derive := in.Slug == ""
	err := s.txDerivingSlug(ctx, derive && id == 0, func(ctx context.Context, tx bun.Tx) error {
		row := &curriculumRow{AuthorID: uid}
		if id == 0 {
			if err := s.authz.Check(p, objCurriculum, "create"); err != nil {
				return err
			}
		} else {
			var err error
			if row, err = s.st.lockCurriculum(ctx, tx, id, uid); err != nil {
				return err
			}
			if err := s.readable(p, objCurriculum, row.rels, errCurriculumNotFound); err != nil {
				return err
			}
			if err := s.authz.Check(p, objCurriculum, "update", row.of()...); err != nil {
				return err
			}
		}
		// A slug left out is derived for a new curriculum and kept by a
		// change (see slugs.go).
		switch {
		case derive && id == 0:
			var err error
			if in.Slug, err = s.deriveSlug(ctx, tx, (*curriculumRow)(nil), "cu", in.Title, "curriculum"); err != nil {
				return err
			}
		case derive:
			in.Slug = row.Slug
		}
		// Validate only once the caller is known to be allowed: others learn
		// nothing from the answer.
		if err := invalid(ValidateCurriculum(&in)); err != nil {
			return err
		}
		taken, err := s.st.curriculumSlugTaken(ctx, tx, in.Slug, row.ID)
		if err != nil {
			return err
		}
		if taken {
			return errSlugTaken
		}
		courses, err := s.st.coursesByID(ctx, tx, courseIDs, uid)
		if err != nil {
			return err
		}
		for i, cid := range courseIDs {
			c, ok := courses[cid]
			// A course already in the curriculum may stay; one being added
			// must be one the caller may change.
			already := ok && c.CurriculumID != nil && *c.CurriculumID == row.ID && row.ID != 0
			if !ok || (!already && !s.authz.Allowed(p, objCourse, "update", c.of()...)) {
				return invalidAt(fmt.Sprintf("body.course_ids[%d]", i), "catalog.unknown_course", cid)
			}
		}
		w := s.writer(tx)
		if err := w.saveCurriculumRow(ctx, row, &in, id == 0); err != nil {
			return conflictOnDuplicate(err)
		}
		saved = row.ID
		return w.placeCourses(ctx, row.ID, courseIDs)
	})
	if err != nil {
		return nil, err
	}
	return s.Curriculum(ctx, p, strconv.FormatInt(saved, 10))
}

func (w *writer) saveCurriculumRow(ctx context.Context, row *curriculumRow, in *CurriculumInput, isNew bool) error {
	next := *row
	next.Slug, next.Title, next.Summary, next.Description = in.Slug, in.Title, in.Summary, in.Description
	next.Category, next.SkillLevel, next.Price, next.AccessDays = in.Category, in.SkillLevel, in.Price, in.AccessDays
	next.Tags.V, next.Status, next.DeletedAt = nonNil(in.Tags), in.Status, nil
	if isNew {
		next.CreatedAt, next.UpdatedAt = w.now, w.now
		if err := w.insert(ctx, &next); err != nil {
			return err
		}
	} else if !reflect.DeepEqual(next, *row) {
		next.UpdatedAt = w.now
		if err := w.update(ctx, &next, "slug", "title", "summary", "description", "category", "skill_level", "price",
			"access_days", "tags", "status", "updated_at", "deleted_at"); err != nil {
			return err
		}
	}
	*row = next
	return nil
}

// placeCourses makes courseIDs (in order) the curriculum's courses.
func (w *writer) placeCourses(ctx context.Context, curriculumID int64, courseIDs []int64) error {
	current, err := w.st.placements(ctx, w.tx, curriculumID, courseIDs)
	if err != nil {
		return err
	}
	want := map[int64]int{}
	for i, id := range courseIDs {
		want[id] = i
	}
	for _, c := range current {
		pos, keep := want[c.ID]
		switch {
		case keep && (c.CurriculumID == nil || *c.CurriculumID != curriculumID || c.Position != pos):
			w.changed = true
			if err := w.st.place(ctx, w.tx, c.ID, &curriculumID, pos); err != nil {
				return err
			}
		case !keep && c.CurriculumID != nil && *c.CurriculumID == curriculumID:
			w.changed = true
			if err := w.st.place(ctx, w.tx, c.ID, nil, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteCurriculum soft-deletes a curriculum; its courses stay, unattached.
func (s *service) DeleteCurriculum(ctx context.Context, p *authz.Principal, id int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.st.lockCurriculum(ctx, tx, id, userID(p))
		if err != nil {
			return err
		}
		if err := s.readable(p, objCurriculum, row.rels, errCurriculumNotFound); err != nil {
			return err
		}
		if err := s.authz.Check(p, objCurriculum, "delete", row.of()...); err != nil {
			return err
		}
		now := s.clock.Now()
		row.DeletedAt, row.UpdatedAt = &now, now
		if err := s.st.update(ctx, tx, row, "deleted_at", "updated_at"); err != nil {
			return err
		}
		return s.st.detachCourses(ctx, tx, id)
	})
}

// ---- roadmap ---------------------------------------------------------------

// Roadmap returns the curriculum ref (or the featured one: the oldest
// published) with the caller's status per course.
func (s *service) Roadmap(ctx context.Context, p *authz.Principal, ref string) (*Roadmap, error) {
	if ref == "" {
		id, err := s.st.featuredCurriculum(ctx, s.db.R)
		if err != nil {
			return nil, err
		}
		ref = strconv.FormatInt(id, 10)
	}
	d, rows, err := s.curriculum(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	out := &Roadmap{Curriculum: d.CurriculumSummary, Courses: make([]RoadmapItem, len(d.Courses))}
	var statuses map[int64]CourseStatus
	if p != nil {
		ids := make([]int64, len(d.Courses))
		for i, c := range d.Courses {
			ids[i] = c.ID
		}
		if statuses, err = s.statuses.Get().CourseStatuses(ctx, p.UserID, ids); err != nil {
			return nil, err
		}
	}
	for i, c := range d.Courses {
		out.Courses[i] = RoadmapItem{CourseSummary: c}
		if p == nil {
			continue
		}
		st, ok := statuses[c.ID]
		switch {
		case ok:
		case s.authz.Allowed(p, objCourse, "update", rows[i].of()...):
			st = StatusOwned // those who may edit a course have it
		default:
			st = StatusLocked
		}
		out.Courses[i].Status = st
	}
	return out, nil
}

// CurriculumByID implements Reader.
func (s *service) CurriculumByID(ctx context.Context, id int64) (CurriculumSummary, []CourseSummary, error) {
	d, err := s.Curriculum(ctx, nil, strconv.FormatInt(id, 10))
	if err != nil {
		return CurriculumSummary{}, nil, err
	}
	return d.CurriculumSummary, d.Courses, nil
}

// CurriculumCourseIDs implements Reader.
func (s *service) CurriculumCourseIDs(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.st.curriculumCourses(ctx, s.db.R, id, true, 0)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, err
}

// RoadmapFor implements Reader.
func (s *service) RoadmapFor(ctx context.Context, userID int64) (*Roadmap, error) {
	var p *authz.Principal
	if userID != 0 {
		u, err := s.users.UserByID(ctx, userID)
		if err != nil {
			return nil, err
		}
		p = &authz.Principal{UserID: u.ID, Role: u.Role}
	}
	return s.Roadmap(ctx, p, "")
}

// CurriculumPatch is a partial change of a curriculum. Its JSON names are
// CurriculumInput's (see patch), and course_ids.
type CurriculumPatch struct {
	Slug        *string   `json:"slug,omitempty"`
	Title       *string   `json:"title,omitempty"`
	Summary     *string   `json:"short_description,omitempty"`
	Description *string   `json:"description,omitempty"`
	Category    *string   `json:"category,omitempty"`
	SkillLevel  *string   `json:"skill_level,omitempty"`
	Price       *int64    `json:"price,omitempty"`
	AccessDays  *int      `json:"access_days,omitempty"`
	Tags        *[]string `json:"tags,omitempty"`
	Status      *string   `json:"status,omitempty"`
	CourseIDs   *[]int64  `json:"course_ids,omitempty" doc:"The curriculum's courses, in roadmap order."`

	aliasConflicts []string // fields given under both names (see unalias)
}

// PatchCurriculum applies a partial change.
func (s *service) PatchCurriculum(ctx context.Context, p *authz.Principal, id int64, cp CurriculumPatch) (*CurriculumDetail, error) {
	cur, err := s.Curriculum(ctx, p, strconv.FormatInt(id, 10))
	if err != nil {
		return nil, err
	}
	in := CurriculumInput{Slug: cur.Slug, Title: cur.Title, Summary: cur.Summary, Description: cur.Description,
		Category: cur.Category, SkillLevel: cur.SkillLevel, Price: cur.Price, AccessDays: cur.AccessDays,
		Tags: cur.Tags, Status: cur.Status}
	if err := patch(&in, cp); err != nil {
		return nil, err
	}
	in.aliasConflicts = cp.aliasConflicts
	courseIDs := make([]int64, len(cur.Courses))
	for i, c := range cur.Courses {
		courseIDs[i] = c.ID
	}
	if cp.CourseIDs != nil {
		courseIDs = *cp.CourseIDs
	}
	return s.SaveCurriculum(ctx, p, id, in, courseIDs)
}
