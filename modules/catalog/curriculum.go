package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// curriculumRef finds a live curriculum by id or slug.
func (s *service) curriculumRef(ctx context.Context, ref string) (*curriculumRow, error) {
	var r curriculumRow
	q := s.db.R.NewSelect().Model(&r).Where("cu.deleted_at IS NULL")
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		q = q.Where("cu.id = ?", id)
	} else {
		q = q.Where("cu.slug = ?", ref)
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errCurriculumNotFound
		}
		return nil, err
	}
	return &r, nil
}

// CurriculumFilter selects curriculums.
type CurriculumFilter struct {
	Search, Category, SkillLevel, Ordering string
	Limit, Offset                          int
}

var curriculumOrderings = map[string]string{
	"created_at": "cu.created_at ASC, cu.id ASC", "-created_at": "cu.created_at DESC, cu.id DESC",
	"price": "cu.price ASC, cu.id ASC", "-price": "cu.price DESC, cu.id DESC", "title": "cu.title ASC, cu.id ASC",
}

// ListCurriculums returns published curriculums with their course counts.
func (s *service) ListCurriculums(ctx context.Context, f CurriculumFilter) ([]CurriculumSummary, int, error) {
	q := s.db.R.NewSelect().Model((*curriculumRow)(nil)).Where("cu.deleted_at IS NULL").Where("cu.status = 'published'")
	if f.Category != "" {
		q = q.Where("cu.category = ?", f.Category)
	}
	if f.SkillLevel != "" {
		q = q.Where("cu.skill_level = ?", f.SkillLevel)
	}
	q = s.db.WhereTextSearch(q, "catalog_curriculums", "cu", []string{"title", "summary", "description"}, f.Search)
	order, ok := curriculumOrderings[f.Ordering]
	if !ok {
		order = curriculumOrderings["created_at"]
	}
	var rows []curriculumRow
	count, err := q.OrderExpr(order).Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx, &rows)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.curriculumSummaries(ctx, rows)
	return out, int(count), err
}

func (s *service) curriculumSummaries(ctx context.Context, rows []curriculumRow) ([]CurriculumSummary, error) {
	out := make([]CurriculumSummary, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	authorIDs := make([]int64, len(rows))
	for i, r := range rows {
		ids[i], authorIDs[i] = r.ID, r.AuthorID
	}
	var counts []struct {
		CurriculumID int64 `bun:"curriculum_id"`
		N            int   `bun:"n"`
	}
	if err := s.db.R.NewSelect().Model((*courseRow)(nil)).ColumnExpr("c.curriculum_id, COUNT(*) AS n").
		Where("c.curriculum_id IN (?)", bun.In(ids)).Where("c.deleted_at IS NULL").Where("c.status = 'published'").
		GroupExpr("c.curriculum_id").Scan(ctx, &counts); err != nil {
		return nil, err
	}
	n := map[int64]int{}
	for _, c := range counts {
		n[c.CurriculumID] = c.N
	}
	authors, err := s.users.UsersByIDs(ctx, authorIDs)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		a := authors[r.AuthorID]
		out[i] = CurriculumSummary{ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Category: r.Category,
			SkillLevel: r.SkillLevel, Price: r.Price, AccessDays: r.AccessDays, Tags: nonNil(r.Tags.V), Status: r.Status,
			CourseCount: n[r.ID], Author: Author{ID: a.ID, Nickname: a.Nickname}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// Curriculum returns a curriculum with its courses in roadmap order.
func (s *service) Curriculum(ctx context.Context, p *authz.Principal, ref string) (*CurriculumDetail, error) {
	r, err := s.curriculumRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if r.Status != "published" && !s.canEdit(p, "catalog.curriculum", r.AuthorID) {
		return nil, errCurriculumNotFound
	}
	sums, err := s.curriculumSummaries(ctx, []curriculumRow{*r})
	if err != nil {
		return nil, err
	}
	var courses []courseRow
	q := s.db.R.NewSelect().Model(&courses).Where("c.curriculum_id = ?", r.ID).Where("c.deleted_at IS NULL")
	if !s.canEdit(p, "catalog.curriculum", r.AuthorID) {
		q = q.Where("c.status = 'published'")
	}
	if err := q.OrderExpr("c.position, c.id").Scan(ctx); err != nil {
		return nil, err
	}
	cs, err := s.summaries(ctx, courses)
	if err != nil {
		return nil, err
	}
	return &CurriculumDetail{CurriculumSummary: sums[0], Description: r.Description, Courses: cs}, nil
}

// SaveCurriculum creates (id == 0) or replaces a curriculum; courseIDs, in
// order, become its courses (the caller must be able to edit each).
func (s *service) SaveCurriculum(ctx context.Context, p *authz.Principal, id int64, in CurriculumInput, courseIDs []int64) (*CurriculumDetail, error) {
	in.Normalize()
	in.Courses = nil
	var saved int64
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row := &curriculumRow{}
		if id == 0 {
			if err := s.authz.Check(p, "catalog.curriculum", "create", authz.Any); err != nil {
				return err
			}
			row.AuthorID = p.UserID
		} else {
			if err := s.db.ForUpdate(tx.NewSelect().Model(row).Where("cu.id = ?", id).Where("cu.deleted_at IS NULL")).Scan(ctx); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return errCurriculumNotFound
				}
				return err
			}
			if row.Status != "published" && !s.canEdit(p, "catalog.curriculum", row.AuthorID) {
				return errCurriculumNotFound
			}
			rel := authz.None
			if p != nil && p.UserID == row.AuthorID {
				rel = authz.Owner
			}
			if err := s.authz.Check(p, "catalog.curriculum", "update", rel); err != nil {
				return err
			}
		}
		// Validate only once the caller is known to be allowed: others learn
		// nothing from the answer.
		if errs := ValidateCurriculum(&in); len(errs) > 0 {
			for i := range errs {
				errs[i].Location = "body." + errs[i].Location
			}
			return apperr.InvalidFields("request.validation", errs...)
		}
		taken, err := tx.NewSelect().Model((*curriculumRow)(nil)).Where("cu.slug = ?", in.Slug).Where("cu.id <> ?", row.ID).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			return errSlugTaken
		}
		// The courses must exist and be the caller's to place.
		var courses []courseRow
		if len(courseIDs) > 0 {
			if err := tx.NewSelect().Model(&courses).Where("c.id IN (?)", bun.In(courseIDs)).Where("c.deleted_at IS NULL").Scan(ctx); err != nil {
				return err
			}
		}
		byID := map[int64]*courseRow{}
		for i := range courses {
			byID[courses[i].ID] = &courses[i]
		}
		for i, cid := range courseIDs {
			c, ok := byID[cid]
			// A course already in the curriculum may stay; one being added
			// must be the caller's to place.
			already := ok && c.CurriculumID != nil && *c.CurriculumID == row.ID && row.ID != 0
			if !ok || (!already && !s.canEdit(p, "catalog.course", c.AuthorID)) {
				return invalidAt(fmt.Sprintf("body.course_ids[%d]", i), "catalog.unknown_course", cid)
			}
		}
		w := &writer{tx: tx, now: s.clock.Now()}
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
	next.Tags, next.Status, next.DeletedAt = jsonValue[[]string]{V: nonNil(in.Tags)}, in.Status, nil
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
	var current []courseRow
	if err := w.tx.NewSelect().Model(&current).Column("id", "curriculum_id", "position").
		Where("c.curriculum_id = ? OR c.id IN (?)", curriculumID, bun.In(append([]int64{0}, courseIDs...))).Scan(ctx); err != nil {
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
			if _, err := w.tx.NewUpdate().Model((*courseRow)(nil)).Set("curriculum_id = ?", curriculumID).
				Set("position = ?", pos).Where("id = ?", c.ID).Exec(ctx); err != nil {
				return err
			}
		case !keep && c.CurriculumID != nil && *c.CurriculumID == curriculumID:
			w.changed = true
			if _, err := w.tx.NewUpdate().Model((*courseRow)(nil)).Set("curriculum_id = NULL").Set("position = 0").
				Where("id = ?", c.ID).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteCurriculum soft-deletes a curriculum; its courses stay, unattached.
func (s *service) DeleteCurriculum(ctx context.Context, p *authz.Principal, id int64) error {
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row curriculumRow
		if err := tx.NewSelect().Model(&row).Where("cu.id = ?", id).Where("cu.deleted_at IS NULL").Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errCurriculumNotFound
			}
			return err
		}
		rel := authz.None
		if p != nil && p.UserID == row.AuthorID {
			rel = authz.Owner
		}
		if row.Status != "published" && rel != authz.Owner && !p.IsAdmin() {
			return errCurriculumNotFound
		}
		if err := s.authz.Check(p, "catalog.curriculum", "delete", rel); err != nil {
			return err
		}
		now := s.clock.Now()
		if _, err := tx.NewUpdate().Model(&row).Set("deleted_at = ?", now).Set("updated_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*courseRow)(nil)).Set("curriculum_id = NULL").Where("curriculum_id = ?", id).Exec(ctx)
		return err
	})
}

// ---- roadmap ---------------------------------------------------------------

// RoadmapItem is a course on the roadmap.
type RoadmapItem struct {
	CourseSummary
	Status CourseStatus `json:"status,omitempty" enum:"locked,owned,in_progress,completed,expired" doc:"The caller's status (absent for anonymous callers)."`
}

// Roadmap is a curriculum's courses in order.
type Roadmap struct {
	Curriculum CurriculumSummary `json:"curriculum"`
	Courses    []RoadmapItem     `json:"courses"`
}

// Roadmap returns the curriculum ref (or the featured one: the oldest
// published) with the caller's status per course.
func (s *service) Roadmap(ctx context.Context, p *authz.Principal, ref string) (*Roadmap, error) {
	if ref == "" {
		var r curriculumRow
		err := s.db.R.NewSelect().Model(&r).Column("id").Where("cu.deleted_at IS NULL").Where("cu.status = 'published'").
			OrderExpr("cu.created_at, cu.id").Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errCurriculumNotFound
		}
		if err != nil {
			return nil, err
		}
		ref = strconv.FormatInt(r.ID, 10)
	}
	d, err := s.Curriculum(ctx, p, ref)
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
		case s.canEdit(p, "catalog.course", c.Author.ID):
			st = StatusOwned // authors and admins have every course they can edit
		default:
			st = StatusLocked
		}
		out.Courses[i].Status = st
	}
	return out, nil
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

// CurriculumPatch is a partial change of a curriculum.
type CurriculumPatch struct {
	Slug        *string   `json:"slug,omitempty"`
	Title       *string   `json:"title,omitempty"`
	Summary     *string   `json:"summary,omitempty"`
	Description *string   `json:"description,omitempty"`
	Category    *string   `json:"category,omitempty"`
	SkillLevel  *string   `json:"skill_level,omitempty"`
	Price       *int64    `json:"price,omitempty"`
	AccessDays  *int      `json:"access_days,omitempty"`
	Tags        *[]string `json:"tags,omitempty"`
	Status      *string   `json:"status,omitempty"`
	CourseIDs   *[]int64  `json:"course_ids,omitempty" doc:"The curriculum's courses, in roadmap order."`
}

// PatchCurriculum applies a partial change.
func (s *service) PatchCurriculum(ctx context.Context, p *authz.Principal, id int64, patch CurriculumPatch) (*CurriculumDetail, error) {
	cur, err := s.Curriculum(ctx, p, strconv.FormatInt(id, 10))
	if err != nil {
		return nil, err
	}
	in := CurriculumInput{Slug: cur.Slug, Title: cur.Title, Summary: cur.Summary, Description: cur.Description,
		Category: cur.Category, SkillLevel: cur.SkillLevel, Price: cur.Price, AccessDays: cur.AccessDays,
		Tags: cur.Tags, Status: cur.Status}
	set(&in.Slug, patch.Slug)
	set(&in.Title, patch.Title)
	set(&in.Summary, patch.Summary)
	set(&in.Description, patch.Description)
	set(&in.Category, patch.Category)
	set(&in.SkillLevel, patch.SkillLevel)
	set(&in.Price, patch.Price)
	set(&in.AccessDays, patch.AccessDays)
	set(&in.Tags, patch.Tags)
	set(&in.Status, patch.Status)
	courseIDs := make([]int64, len(cur.Courses))
	for i, c := range cur.Courses {
		courseIDs[i] = c.ID
	}
	set(&courseIDs, patch.CourseIDs)
	return s.SaveCurriculum(ctx, p, id, in, courseIDs)
}
