package learning

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/web"
)

const learnersPageSize = 50

// Form fields of the learner list, in display order.
var (
	grantFields  = []string{"email", "days", "reason"}
	revokeFields = []string{"reason"}
)

// learnersPage is the data of "learning/learners".
type learnersPage struct {
	Course      catalog.CourseSummary
	Action      string // the page's own path
	Enrollments []Enrollment
	Count       int
	Pager       web.Pager
	Page        int
	GrantForm   *web.Form
	// RevokeForm is a revocation being shown again with its error, for
	// the enrollment RevokeID.
	RevokeForm *web.Form
	RevokeID   int64
}

// learnersPage lists a course's enrollments for its tutor and admins, with
// a form to grant access and a button to revoke each live one (others: 404;
// signed out: the sign-in page).
func (m *Module) learnersPage(c *fiber.Ctx) error {
	return m.renderLearners(c, fiber.StatusOK, nil, nil, 0)
}

func (m *Module) renderLearners(c *fiber.Ctx, status int, grant, revoke *web.Form, revokeID int64) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	n, _ := strconv.Atoi(c.Query("page"))
	n = min(max(n, 1), httpx.MaxPage) // never an offset that overflows
	list, count, err := m.svc.CourseEnrollments(ctx, p, id, learnersPageSize, (n-1)*learnersPageSize)
	if err != nil {
		return err
	}
	if len(list) == 0 && n > 1 && c.Method() == fiber.MethodGet { // past the last page
		return c.Redirect(m.svc.LearnersURL(id), fiber.StatusSeeOther)
	}
	course, err := m.svc.courses.CourseByID(ctx, id)
	if err != nil {
		return err
	}
	if grant == nil {
		grant = web.NewForm(grantFields...)
	}
	action := m.svc.LearnersURL(id)
	page := learnersPage{Course: course, Action: action, Enrollments: list, Count: count, Page: n,
		GrantForm: grant, RevokeForm: revoke, RevokeID: revokeID}
	page.Pager = web.Paginate(n, (count+learnersPageSize-1)/learnersPageSize, func(p int) string {
		if p == 1 {
			return action
		}
		return action + "?page=" + strconv.Itoa(p)
	})
	return m.web.Render(c, status, "learning/learners", page)
}

// formStatus is the HTTP status of a service error shown on a form.
func formStatus(err error) int {
	if errors.Is(err, apperr.Conflict) {
		return fiber.StatusConflict
	}
	return fiber.StatusUnprocessableEntity
}

func (m *Module) grantSubmit(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	email := formValue(c, "email", 320)
	daysText := formValue(c, "days", 20)
	reason := formValue(c, "reason", 4*maxReason)
	f := web.NewForm(grantFields...)
	f.Set("email", email).Set("days", daysText).Set("reason", reason)
	days := 0
	if daysText != "" {
		if days, err = strconv.Atoi(daysText); err != nil || days < 1 {
			days = -1 // the service words the error
		}
	}
	e, err := m.svc.GrantByHand(c.UserContext(), authz.PrincipalFrom(c.UserContext()), id,
		ManualGrant{Email: email, Days: days, Reason: reason})
	if err != nil {
		if !f.AddError(err, m.tr(c)) {
			return err
		}
		return m.renderLearners(c, formStatus(err), f, nil, 0)
	}
	web.SetFlash(c, "success", m.t(c, "learning.page.learners.granted", "Name", e.Nickname))
	return c.Redirect(m.svc.LearnersURL(id), fiber.StatusSeeOther)
}

func (m *Module) revokeSubmit(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	eid, err := param(c, "eid")
	if err != nil {
		return err
	}
	reason := formValue(c, "reason", 4*maxReason)
	e, err := m.svc.RevokeByHand(c.UserContext(), authz.PrincipalFrom(c.UserContext()), id, eid, reason)
	if err != nil {
		f := web.NewForm(revokeFields...)
		f.Set("reason", reason)
		if !f.AddError(err, m.tr(c)) {
			return err
		}
		return m.renderLearners(c, formStatus(err), nil, f, eid)
	}
	web.SetFlash(c, "success", m.t(c, "learning.page.learners.revoked", "Name", e.Nickname))
	return c.Redirect(m.svc.LearnersURL(id), fiber.StatusSeeOther)
}
