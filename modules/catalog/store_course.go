package catalog

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

var courseOrderings = map[string]string{
	"created_at": "c.created_at ASC, c.id ASC", "-created_at": "c.created_at DESC, c.id DESC",
	"price": "c.price ASC, c.id ASC", "-price": "c.price DESC, c.id DESC",
	"title": "c.title ASC, c.id ASC", "-title": "c.title DESC, c.id DESC",
	"position": "c.curriculum_id ASC, c.position ASC, c.id ASC",
}

// courseList is a page of the course list to load: the filter, the
// resolved curriculum, and which rows the caller may read.
type courseList struct {
	courseFilter
	uid          int64
	scope        authz.Scope // the courses the caller may read
	curriculumID *int64
	// searchCategories are the categories whose label the search names:
	// their courses match too.
	searchCategories []string
}

// courses returns one page of live courses and how many match in all.
// Without Mine the list is the catalog: published courses only.
func (st store) courses(ctx context.Context, idb bun.IDB, l courseList) ([]courseRow, int, error) {
	q := idb.NewSelect().Model((*courseRow)(nil)).Where("c.deleted_at IS NULL")
	q = scope(q, "c", l.scope, l.uid)
	if l.Mine {
		q = q.Where("c.author_id = ?", l.uid)
	} else {
		q = q.Where("c.status = 'published'")
	}
	if l.Category != "" {
		q = q.Where("c.category = ?", l.Category)
	}
	if l.SkillLevel != "" {
		q = q.Where("c.skill_level = ?", l.SkillLevel)
	}
	switch l.PriceLevel {
	case "free":
		q = q.Where("c.price = 0")
	case "paid":
		q = q.Where("c.price > 0")
	}
	if l.MinPrice != nil {
		q = q.Where("c.price >= ?", *l.MinPrice)
	}
	if l.MaxPrice != nil {
		q = q.Where("c.price <= ?", *l.MaxPrice)
	}
	if l.curriculumID != nil {
		q = q.Where("c.curriculum_id = ?", *l.curriculumID)
	}
	term := strings.TrimSpace(l.Search)
	if term != "" {
		// The words of the title or descriptions, a tag, or a category's
		// label.
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = st.d.WhereTextSearch(q, "catalog_courses", "c", []string{"title", "summary", "description"}, term)
			if len(l.searchCategories) > 0 {
				q = q.WhereOr("c.category IN (?)", bun.In(l.searchCategories))
			}
			if expr, pattern, ok := st.tagsContain(term); ok {
				q = q.WhereOr(expr, pattern)
			}
			return q
		})
	}
	order, ok := courseOrderings[l.Ordering]
	switch {
	case ok:
		q = q.OrderExpr(order)
	case term != "" && l.curriculumID == nil:
		// Relevance: a match in the title first, then in the short
		// description, then by tag or category, then in the description;
		// the newest first within each.
		like := st.likeOp()
		p := db.ContainsPattern(term)
		tags := "1 = 0"
		var tagArgs []any
		if expr, pattern, ok := st.tagsContain(term); ok {
			tags, tagArgs = expr, []any{pattern}
		}
		cats := "1 = 0"
		var catArgs []any
		if len(l.searchCategories) > 0 {
			cats, catArgs = "c.category IN (?)", []any{bun.In(l.searchCategories)}
		}
		args := append(append(append([]any{p, p}, tagArgs...), catArgs...), nil)[:2+len(tagArgs)+len(catArgs)]
		q = q.OrderExpr("CASE WHEN c.title "+like+` ? ESCAPE '\' THEN 0 WHEN c.summary `+like+` ? ESCAPE '\' THEN 1 `+
			"WHEN "+tags+" OR "+cats+" THEN 2 ELSE 3 END", args...).OrderExpr(courseOrderings["-created_at"])
	case l.curriculumID != nil:
		q = q.OrderExpr(courseOrderings["position"])
	default:
		q = q.OrderExpr(courseOrderings["-created_at"])
	}
	var rows []courseRow
	count, err := q.Limit(int64(l.Limit)).Offset(int64(l.Offset)).ScanAndCount(ctx, &rows)
	return rows, int(count), err
}

// likeOp is the dialect's case-insensitive LIKE (SQLite's LIKE ignores
// ASCII case; Hangul has none).
func (st store) likeOp() string {
	if st.d.IsPostgres() {
		return "ILIKE"
	}
	return "LIKE"
}

// tagsContain is the condition "a course's tags contain term" over the
// JSON text of the tags column. Terms with JSON syntax in them (quotes,
// commas, brackets, backslashes) or characters JSON may escape are not
// looked for there: they would match the encoding rather than a tag.
func (st store) tagsContain(term string) (expr, pattern string, ok bool) {
	if strings.ContainsAny(term, `"\,[]<>&`) {
		return "", "", false
	}
	return "CAST(c.tags AS TEXT) " + st.likeOp() + ` ? ESCAPE '\'`, db.ContainsPattern(term), true
}

// publishedCategories returns the categories that have a live published
// course.
func (st store) publishedCategories(ctx context.Context, idb bun.IDB) (map[string]bool, error) {
	var cats []string
	if err := idb.NewSelect().Model((*courseRow)(nil)).ColumnExpr("DISTINCT c.category").
		Where("c.deleted_at IS NULL").Where("c.status = 'published'").Scan(ctx, &cats); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(cats))
	for _, c := range cats {
		out[c] = true
	}
	return out, nil
}

type courseStats struct {
	CourseID     int64 `bun:"course_id"`
	Lectures     int   `bun:"lectures"`
	Topics       int   `bun:"topics"`
	VideoSeconds int   `bun:"video_seconds"`
}

// courseStats counts the live lectures and topics of courses, and the
// length of their videos, by course.
func (st store) courseStats(ctx context.Context, idb bun.IDB, ids []int64) (map[int64]courseStats, error) {
	var stats []courseStats
	if err := idb.NewSelect().TableExpr("catalog_topics AS t").
		ColumnExpr("t.course_id, COUNT(DISTINCT t.lecture_id) AS lectures, COUNT(*) AS topics").
		ColumnExpr("COALESCE(SUM(CASE WHEN t.kind = ? THEN t.duration ELSE 0 END), 0) AS video_seconds", kindVideo).
		Join("JOIN catalog_lectures AS l ON l.id = t.lecture_id AND l.deleted_at IS NULL").
		Where("t.course_id IN (?)", bun.In(ids)).Where("t.deleted_at IS NULL").
		GroupExpr("t.course_id").Scan(ctx, &stats); err != nil {
		return nil, err
	}
	out := make(map[int64]courseStats, len(stats))
	for _, s := range stats {
		out[s.CourseID] = s
	}
	return out, nil
}

// course loads a live course with uid's relations to it.
func (st store) course(ctx context.Context, idb bun.IDB, id, uid int64) (*courseRow, error) {
	var r courseRow
	err := withRels(idb.NewSelect().Model(&r), "c", uid).Where("c.id = ?", id).Where("c.deleted_at IS NULL").Scan(ctx)
	if err != nil {
		return nil, notFound(err, errCourseNotFound)
	}
	return &r, nil
}

// coursesByIDs loads the live courses among ids.
func (st store) coursesByIDs(ctx context.Context, idb bun.IDB, ids []int64) ([]courseRow, error) {
	var out []courseRow
	if len(ids) == 0 {
		return out, nil
	}
	err := withRels(idb.NewSelect().Model(&out), "c", 0).Where("c.id IN (?)", bun.In(ids)).
		Where("c.deleted_at IS NULL").OrderExpr("c.id").Scan(ctx)
	return out, err
}

// lockCourse locks a course's row for the rest of tx: two concurrent
// changes of one course then apply one after the other instead of merging.
func (st store) lockCourse(ctx context.Context, tx bun.IDB, id int64) error {
	_, err := st.d.ForUpdate(tx.NewSelect().Model((*courseRow)(nil)).Column("id").Where("c.id = ?", id)).Exec(ctx)
	return err
}

// courseSlugTaken reports whether another course (live or deleted) has slug.
func (st store) courseSlugTaken(ctx context.Context, idb bun.IDB, slug string, except int64) (bool, error) {
	return idb.NewSelect().Model((*courseRow)(nil)).Where("c.slug = ?", slug).Where("c.id <> ?", except).Exists(ctx)
}

// courseBySlug loads a course by slug, deleted or not, with uid's
// relations to it; nil when there is none.
func (st store) courseBySlug(ctx context.Context, idb bun.IDB, slug string, uid int64) (*courseRow, error) {
	var r courseRow
	err := withRels(idb.NewSelect().Model(&r), "c", uid).Where("c.slug = ?", slug).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// courseIDsBySlug returns the ids of the live courses named by slugs among
// those a scope allows, by slug.
func (st store) courseIDsBySlug(ctx context.Context, idb bun.IDB, slugs []string, sc authz.Scope, uid int64) (map[string]int64, error) {
	var rows []courseRow
	if err := scope(idb.NewSelect().Model(&rows).Column("id", "slug"), "c", sc, uid).
		Where("c.slug IN (?)", bun.In(slugs)).Where("c.deleted_at IS NULL").Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Slug] = r.ID
	}
	return out, nil
}

// prerequisiteRefs returns a course's live prerequisites among those a
// scope allows, in roadmap order.
func (st store) prerequisiteRefs(ctx context.Context, idb bun.IDB, courseID int64, sc authz.Scope, uid int64) ([]CourseRef, error) {
	out := []CourseRef{}
	err := scope(idb.NewSelect().TableExpr("catalog_prerequisites AS pq").ColumnExpr("c.id, c.slug, c.title").
		Join("JOIN catalog_courses AS c ON c.id = pq.prerequisite_id"), "c", sc, uid).
		Where("pq.course_id = ?", courseID).Where("c.deleted_at IS NULL").OrderExpr("c.position, c.id").Scan(ctx, &out)
	return out, err
}

// prerequisiteIDs returns the ids of a course's prerequisites.
func (st store) prerequisiteIDs(ctx context.Context, idb bun.IDB, courseID int64) ([]int64, error) {
	var ids []int64
	err := idb.NewSelect().Model((*prerequisiteRow)(nil)).Column("prerequisite_id").Where("course_id = ?", courseID).Scan(ctx, &ids)
	return ids, err
}

// replacePrerequisites makes ids a course's prerequisites.
func (st store) replacePrerequisites(ctx context.Context, idb bun.IDB, courseID int64, ids []int64) error {
	if _, err := idb.NewDelete().Model((*prerequisiteRow)(nil)).Where("course_id = ?", courseID).Exec(ctx); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := idb.NewInsert().Model(&prerequisiteRow{CourseID: courseID, PrerequisiteID: id}).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// prerequisiteEdges returns every prerequisite relation, for the cycle check.
func (st store) prerequisiteEdges(ctx context.Context, idb bun.IDB) ([]prerequisiteRow, error) {
	var edges []prerequisiteRow
	err := idb.NewSelect().Model(&edges).Scan(ctx)
	return edges, err
}

// anyCourse reports whether the catalog has a course at all, even deleted.
func (st store) anyCourse(ctx context.Context, idb bun.IDB) (bool, error) {
	return idb.NewSelect().Model((*courseRow)(nil)).Exists(ctx)
}

// bumpVersion counts a save of a course (courseRow.Version).
func (st store) bumpVersion(ctx context.Context, idb bun.IDB, row *courseRow) error {
	err := idb.NewUpdate().Model((*courseRow)(nil)).Set("version = version + 1").Where("id = ?", row.ID).
		Returning("version").Scan(ctx, &row.Version)
	return err
}
