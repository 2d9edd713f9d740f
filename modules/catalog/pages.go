package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/web"
)

// pages mounts the catalog pages, one file per screen: the course list with
// search and filters (pages_list.go), a course's page with its outline and
// free previews (pages_course.go), and the studio where tutors and admins
// write courses (pages_studio.go, pages_editor.go). Studio forms post back
// to their own path; on success the handler redirects (303) to the course
// with a flash, on failure it renders the form again with the errors.
func (m *Module) pages(r fiber.Router) {
	r.Get("/courses", m.list)
	r.Get("/courses/:id", m.course)
	teach := httpx.RequirePage(m.authz, objCourse, "create")
	r.Get("/studio/courses", teach, m.studio)
	r.Get("/studio/courses/new", teach, m.newCourse)
	r.Post("/studio/courses/new", teach, m.createCourse)
	r.Get("/studio/courses/:id", teach, m.outline)
	r.Post("/studio/courses/:id/outline", teach, m.saveOutline)
	r.Post("/studio/courses/:id/status", teach, m.saveStatus)
	r.Get("/studio/courses/:id/settings", teach, m.editSettings)
	r.Post("/studio/courses/:id/settings", teach, m.saveSettings)
	r.Get("/studio/courses/:id/edit", teach, m.editRedirect)
	m.bundlePages(r, teach)
	m.topicPages(r, teach)
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// tr translates a field error's message id, which may carry one parameter
// ("catalog.too_long:200"), the way API problem details do.
func (m *Module) tr(c *fiber.Ctx, msg string) string { return m.trCtx(c.UserContext(), msg) }

// trCtx is tr in the language of a request's context.
func (m *Module) trCtx(ctx context.Context, msg string) string {
	id, param, _ := strings.Cut(msg, ":")
	if !m.i18n.Has(id) {
		return msg
	}
	return m.i18n.T(i18n.LangFrom(ctx), id, map[string]any{"Param": param})
}

var categoryIcons = map[string]string{
	"frontend": "window", "javascript": "braces", "backend": "hdd-stack", "database": "database",
	"devops": "cloud-arrow-up", "tools": "tools", "data": "bar-chart-line", "design": "palette",
}

// thumb is a course's picture: an image when the course has a same-origin
// one (the CSP allows images from our origin only), else a gradient in the
// category's colour with its icon and the title's first letter.
type thumb struct {
	URL      string
	SrcSet   string // sizes of an uploaded image, for <img srcset>
	Category string
	Icon     string
	Initial  string
}

func thumbOf(s *CourseSummary) thumb {
	th := thumb{Category: s.Category, Icon: categoryIcons[s.Category], Initial: initial(s.Title)}
	if th.Icon == "" {
		th.Icon = "journal-code"
	}
	if u := s.ThumbnailURL; u != "" {
		th.URL = u
		th.SrcSet = ImageURL(s.Thumbnail, "thumbnail") + " 320w, " + u + " 1280w"
	} else if u := s.Thumbnail; strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, "/\\") {
		th.URL = u
	}
	return th
}

func initial(s string) string {
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return strings.ToUpper(string(r))
		}
	}
	return "W"
}

// courseCard is a course in the list and the studio, with its labels in the
// page's language.
type courseCard struct {
	CourseSummary
	URL      string
	Thumb    thumb
	Price    string // "12,900원" | "무료"
	Free     bool
	Level    string
	Category string
}

func (m *Module) card(c *fiber.Ctx, s CourseSummary) courseCard {
	return courseCard{CourseSummary: s, URL: fmt.Sprintf("/courses/%d", s.ID), Thumb: thumbOf(&s),
		Price: m.price(c, s.Price), Free: s.Price == 0,
		Level: m.t(c, "catalog.page.level."+s.SkillLevel), Category: m.t(c, "catalog.page.category."+s.Category)}
}

func (m *Module) price(c *fiber.Ctx, krw int64) string {
	if krw == 0 {
		return m.t(c, "catalog.page.free")
	}
	return m.t(c, "catalog.page.price", "Price", web.Number(krw))
}

func (m *Module) options(c *fiber.Ctx, prefix string, values []string, empty string) []web.Option {
	var out []web.Option
	if empty != "" {
		out = append(out, web.Option{Value: "", Label: m.t(c, empty)})
	}
	for _, v := range values {
		out = append(out, web.Option{Value: v, Label: m.t(c, prefix+v)})
	}
	return out
}

// pageNumber reads ?page=, clamped to 1–10,000.
func pageNumber(c *fiber.Ctx) int {
	n, _ := strconv.Atoi(c.Query("page"))
	return min(max(n, 1), 10_000)
}

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
