package dashboard

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
)

// pages mounts the dashboards: the admin console's landing page, the
// studio's home, "my learning", and their tables as CSV.
func (m *Module) pages(r fiber.Router) {
	admin := httpx.RequirePage(m.svc.authz, objPlatform, actView)
	teach := httpx.RequirePage(m.svc.authz, objTeaching, actView)
	r.Get("/admin", privatePage, admin, m.adminPage)
	r.Get("/admin/dashboard/:table.csv", privatePage, admin, m.adminExport)
	r.Get("/studio", privatePage, teach, m.studioPage)
	r.Get("/studio/dashboard/:table.csv", privatePage, teach, m.studioExport)
	r.Get("/me/learning", privatePage, m.myPage)
}

// privatePage marks a page no cache may keep.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

// reportPage is the data of "dashboard/admin" and "dashboard/studio".
type reportPage struct {
	*Report
	Admin   bool
	Base    string // the page's path, for the range links
	Presets []preset
	// From and To are the range form's values; RangeError what was wrong
	// with the range asked for (the default range is shown instead).
	From, To   string
	RangeError string
	query      string // the range's query string, for CSV links
}

type preset struct {
	Days   int
	URL    string
	Active bool
}

// CSV is the link to download a table of the page as CSV.
func (p *reportPage) CSV(table string) string {
	return p.Base + "/dashboard/" + table + ".csv" + p.query
}

// Hours words seconds as hours with one decimal: "12.5".
func (p *reportPage) Hours(secs int64) string { return hours(secs) }

func hours(secs int64) string { return strconv.FormatFloat(float64(secs)/3600, 'f', 1, 64) }

// Minutes rounds seconds to minutes.
func (*reportPage) Minutes(secs int64) int64 { return (secs + 30) / 60 }

func (m *Module) adminPage(c *fiber.Ctx) error { return m.reportPage(c, true, "/admin") }

func (m *Module) studioPage(c *fiber.Ctx) error { return m.reportPage(c, false, "/studio") }

func (m *Module) reportPage(c *fiber.Ctx, admin bool, base string) error {
	p := authz.PrincipalFrom(c.UserContext())
	q := rangeQuery(c)
	build := func(q RangeQuery) (*Report, error) {
		if admin {
			return m.svc.AdminReport(c.UserContext(), p, q)
		}
		return m.svc.TutorReport(c.UserContext(), p, q)
	}
	page := &reportPage{Admin: admin, Base: base, From: q.From, To: q.To}
	status := fiber.StatusOK
	r, err := build(q)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code == errBadRange.Code {
		// The page still shows the default range, and says what was wrong.
		status, page.RangeError = fiber.StatusUnprocessableEntity, m.web.T(c, "dashboard.page.bad_range")
		q = RangeQuery{}
		r, err = build(q)
	}
	if err != nil {
		return err
	}
	page.Report = r
	if page.From == "" || page.RangeError != "" {
		page.From, page.To = r.Range.From, r.Range.To
	}
	v := url.Values{"from": {r.Range.From}, "to": {r.Range.To}}
	page.query = "?" + v.Encode()
	for _, d := range []int{7, 30, 90} {
		page.Presets = append(page.Presets, preset{Days: d, URL: fmt.Sprintf("%s?days=%d", base, d),
			Active: r.Range.Days == d && r.Range.To == m.svc.today()})
	}
	name := "dashboard/studio"
	if admin {
		name = "dashboard/admin"
	}
	return m.web.Render(c, status, name, page)
}

// rangeQuery reads the range from the query string.
func rangeQuery(c *fiber.Ctx) RangeQuery {
	q := RangeQuery{From: c.Query("from"), To: c.Query("to")}
	if d := c.Query("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n == 0 {
			n = -1 // refused by resolve, like any number out of range
		}
		q.Days = n
	}
	return q
}

// myPage is the learner's dashboard: "my learning".
type myPage struct {
	*MyDashboard
	Resume *MyCourse
}

// Hours words seconds as hours with one decimal.
func (*myPage) Hours(secs int64) string { return hours(secs) }

// Minutes rounds seconds to minutes.
func (*myPage) Minutes(secs int64) int64 { return (secs + 30) / 60 }

// Continue is where a course goes on ("" when it cannot).
func (*myPage) Continue(c MyCourse) string {
	if !c.Access || c.Status == string(catalog.StatusExpired) || c.Status == string(catalog.StatusLocked) {
		return ""
	}
	if c.NextTopicURL != "" {
		return c.NextTopicURL
	}
	return "/learn/" + itoa(c.CourseID)
}

// StatusIcon is a course status's icon.
func (*myPage) StatusIcon(status string) string { return statusIcons[status] }

var statusIcons = map[string]string{
	string(catalog.StatusCompleted):  "patch-check-fill",
	string(catalog.StatusInProgress): "play-circle",
	string(catalog.StatusOwned):      "bookmark",
	string(catalog.StatusExpired):    "hourglass-bottom",
	string(catalog.StatusLocked):     "lock",
}

func (m *Module) myPage(c *fiber.Ctx) error {
	d, err := m.svc.Mine(c.UserContext(), authz.PrincipalFrom(c.UserContext()))
	if err != nil {
		return err
	}
	page := &myPage{MyDashboard: d}
	for i := range d.Courses {
		if d.ResumeCourseID != nil && d.Courses[i].CourseID == *d.ResumeCourseID {
			page.Resume = &d.Courses[i]
		}
	}
	return m.web.Render(c, fiber.StatusOK, "dashboard/me", page)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// MinutesOf rounds fractional seconds to minutes.
func (*myPage) MinutesOf(secs float64) int64 { return int64(secs+30) / 60 }
