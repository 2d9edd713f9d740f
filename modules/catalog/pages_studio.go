package catalog

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

const studioPageSize = 20

// studioPage is the data of "catalog/studio".
type studioPage struct {
	Courses []courseCard
	Count   int
	Pager   web.Pager
	// Learners links each course to its learner list.
	Learners map[int64]string
}

// studio lists the caller's own courses, drafts included (admins too see
// their own here; they reach others' editors from the course pages).
func (m *Module) studio(c *fiber.Ctx) error {
	n := pageNumber(c)
	items, count, err := m.svc.ListCourses(c.UserContext(), authz.PrincipalFrom(c.UserContext()), courseFilter{
		Mine: true, Ordering: "-created_at", Limit: studioPageSize, Offset: (n - 1) * studioPageSize})
	if err != nil {
		return err
	}
	page := studioPage{Count: count, Learners: map[int64]string{}}
	room := m.svc.classroom.Get()
	for _, s := range items {
		page.Courses = append(page.Courses, m.card(c, s))
		page.Learners[s.ID] = room.LearnersURL(s.ID)
	}
	page.Pager = web.Paginate(n, (count+studioPageSize-1)/studioPageSize, func(p int) string {
		if p == 1 {
			return "/studio/courses"
		}
		return "/studio/courses?page=" + strconv.Itoa(p)
	})
	return m.web.Render(c, fiber.StatusOK, "catalog/studio", page)
}
