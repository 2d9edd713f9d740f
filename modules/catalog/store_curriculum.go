package catalog

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/uptrace/bun"
)

var curriculumOrderings = map[string]string{
	"created_at": "cu.created_at ASC, cu.id ASC", "-created_at": "cu.created_at DESC, cu.id DESC",
	"price": "cu.price ASC, cu.id ASC", "-price": "cu.price DESC, cu.id DESC", "title": "cu.title ASC, cu.id ASC",
}

// curriculum loads a live curriculum by id or slug, with uid's relations
// to it.
func (st store) curriculum(ctx context.Context, idb bun.IDB, ref string, uid int64) (*curriculumRow, error) {
	var r curriculumRow
	q := withRels(idb.NewSelect().Model(&r), "cu", uid).Where("cu.deleted_at IS NULL")
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		q = q.Where("cu.id = ?", id)
	} else {
		q = q.Where("cu.slug = ?", ref)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, errCurriculumNotFound)
	}
	return &r, nil
}

// lockCurriculum loads a live curriculum, with uid's relations to it, and
// locks its row for the rest of tx.
func (st store) lockCurriculum(ctx context.Context, tx bun.IDB, id, uid int64) (*curriculumRow, error) {
	var r curriculumRow
	q := withRels(tx.NewSelect().Model(&r), "cu", uid).Where("cu.id = ?", id).Where("cu.deleted_at IS NULL")
	if err := st.d.ForUpdate(q).Scan(ctx); err != nil {
		return nil, notFound(err, errCurriculumNotFound)
	}
	return &r, nil
}

// curriculumBySlug loads a curriculum by slug, deleted or not, with uid's
// relations to it; nil when there is none.
func (st store) curriculumBySlug(ctx context.Context, idb bun.IDB, slug string, uid int64) (*curriculumRow, error) {
	var r curriculumRow
	err := withRels(idb.NewSelect().Model(&r), "cu", uid).Where("cu.slug = ?", slug).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// curriculums returns one page of published curriculums and how many match.
func (st store) curriculums(ctx context.Context, idb bun.IDB, f curriculumFilter) ([]curriculumRow, int, error) {
	q := idb.NewSelect().Model((*curriculumRow)(nil)).Where("cu.deleted_at IS NULL").Where("cu.status = 'published'")
	if f.Category != "" {
		q = q.Where("cu.category = ?", f.Category)
	}
	if f.SkillLevel != "" {
		q = q.Where("cu.skill_level = ?", f.SkillLevel)
	}
	q = st.d.WhereTextSearch(q, "catalog_curriculums", "cu", []string{"title", "summary", "description"}, f.Search)
	order, ok := curriculumOrderings[f.Ordering]
	if !ok {
		order = curriculumOrderings["created_at"]
	}
	var rows []curriculumRow
	count, err := q.OrderExpr(order).Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx, &rows)
	return rows, int(count), err
}

// featuredCurriculum is the id of the oldest published curriculum.
func (st store) featuredCurriculum(ctx context.Context, idb bun.IDB) (int64, error) {
	var id int64
	err := idb.NewSelect().Model((*curriculumRow)(nil)).Column("id").Where("cu.deleted_at IS NULL").
		Where("cu.status = 'published'").OrderExpr("cu.created_at, cu.id").Limit(1).Scan(ctx, &id)
	return id, notFound(err, errCurriculumNotFound)
}

// curriculumSlugTaken reports whether another curriculum (live or deleted)
// has slug.
func (st store) curriculumSlugTaken(ctx context.Context, idb bun.IDB, slug string, except int64) (bool, error) {
	return idb.NewSelect().Model((*curriculumRow)(nil)).Where("cu.slug = ?", slug).Where("cu.id <> ?", except).Exists(ctx)
}

// publishedCourseCounts counts the live published courses of curriculums.
func (st store) publishedCourseCounts(ctx context.Context, idb bun.IDB, ids []int64) (map[int64]int, error) {
	var counts []struct {
		CurriculumID int64 `bun:"curriculum_id"`
		N            int   `bun:"n"`
	}
	if err := idb.NewSelect().Model((*courseRow)(nil)).ColumnExpr("c.curriculum_id, COUNT(*) AS n").
		Where("c.curriculum_id IN (?)", bun.In(ids)).Where("c.deleted_at IS NULL").Where("c.status = 'published'").
		GroupExpr("c.curriculum_id").Scan(ctx, &counts); err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(counts))
	for _, c := range counts {
		out[c.CurriculumID] = c.N
	}
	return out, nil
}

// curriculumCourses returns a curriculum's live courses in roadmap order,
// with uid's relations to them: the published ones, or all with drafts.
func (st store) curriculumCourses(ctx context.Context, idb bun.IDB, curriculumID int64, drafts bool, uid int64) ([]courseRow, error) {
	var rows []courseRow
	q := withRels(idb.NewSelect().Model(&rows), "c", uid).Where("c.curriculum_id = ?", curriculumID).Where("c.deleted_at IS NULL")
	if !drafts {
		q = q.Where("c.status = 'published'")
	}
	err := q.OrderExpr("c.position, c.id").Scan(ctx)
	return rows, err
}

// coursesByID loads live courses with uid's relations to them, by id.
func (st store) coursesByID(ctx context.Context, idb bun.IDB, ids []int64, uid int64) (map[int64]*courseRow, error) {
	var rows []courseRow
	if len(ids) > 0 {
		if err := withRels(idb.NewSelect().Model(&rows), "c", uid).Where("c.id IN (?)", bun.In(ids)).
			Where("c.deleted_at IS NULL").Scan(ctx); err != nil {
			return nil, err
		}
	}
	out := make(map[int64]*courseRow, len(rows))
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// courseIDBySlug returns the id of the course (live or deleted) named slug.
func (st store) courseIDBySlug(ctx context.Context, idb bun.IDB, slug string) (int64, error) {
	var id int64
	err := idb.NewSelect().Model((*courseRow)(nil)).Column("id").Where("c.slug = ?", slug).Scan(ctx, &id)
	return id, notFound(err, errCourseNotFound)
}

// placements returns where the courses of a curriculum, and the courses
// ids, stand: their curriculum and position.
func (st store) placements(ctx context.Context, idb bun.IDB, curriculumID int64, ids []int64) ([]courseRow, error) {
	var rows []courseRow
	err := idb.NewSelect().Model(&rows).Column("id", "curriculum_id", "position").
		Where("c.curriculum_id = ? OR c.id IN (?)", curriculumID, bun.In(append([]int64{0}, ids...))).Scan(ctx)
	return rows, err
}

// place puts a course in a curriculum at a position; a nil curriculum
// takes it out.
func (st store) place(ctx context.Context, idb bun.IDB, courseID int64, curriculumID *int64, position int) error {
	_, err := idb.NewUpdate().Model((*courseRow)(nil)).Set("curriculum_id = ?", curriculumID).Set("position = ?", position).
		Where("id = ?", courseID).Exec(ctx)
	return err
}

// detachCourses takes every course out of a curriculum.
func (st store) detachCourses(ctx context.Context, idb bun.IDB, curriculumID int64) error {
	_, err := idb.NewUpdate().Model((*courseRow)(nil)).Set("curriculum_id = NULL").Where("curriculum_id = ?", curriculumID).Exec(ctx)
	return err
}
