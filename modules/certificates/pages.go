package certificates

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/web"
)

// pages mounts the holder's page (my certificates, with the courses on
// the way to one and a claim button), the public look-up and verification
// pages, and the admins' console. Forms post back and redirect (303).
func (m *Module) pages(r fiber.Router) {
	r.Get("/me/certificates", privatePage, m.minePage)
	r.Post("/me/certificates/claim", privatePage, m.claimSubmit)
	r.Get("/certificates/verify", m.lookupPage)
	r.Get("/verify/:serial", m.verifyPage)
	admin := httpx.RequirePage(m.svc.authz, objCertificate, "list")
	r.Get("/admin/certificates", privatePage, admin, m.adminPage)
	r.Post("/admin/certificates/:id/revoke", privatePage, admin, m.adminRevoke)
}

// privatePage marks a page with personal data: no cache may keep it.
func privatePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

func (m *Module) t(c *fiber.Ctx, id string, kv ...any) string { return m.web.T(c, id, kv...) }

// message is the text of a service error for a page.
func (m *Module) message(c *fiber.Ctx, err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if len(ae.Fields) > 0 {
			return m.t(c, ae.Fields[0].Message)
		}
		kv := []any{}
		for k, v := range ae.Data {
			kv = append(kv, k, v)
		}
		return m.t(c, ae.Msg, kv...)
	}
	return m.t(c, "certificates.page.error")
}

// certView is a certificate as pages show it.
type certView struct {
	Certificate
	KindText     string
	ScoreText    string
	LinkedInURL  string
	RevokeReason string
	Courses      []Course
}

func (m *Module) certView(c *fiber.Ctx, cert Certificate) certView {
	v := certView{Certificate: cert, KindText: m.t(c, "certificates.kind."+cert.Kind), Courses: cert.Courses}
	if cert.Score != nil {
		v.ScoreText = m.t(c, "certificates.page.score", "Score", *cert.Score)
	}
	if cert.Status == statusRevoked {
		v.RevokeReason = m.t(c, "certificates.reason."+cert.RevokeReason)
	}
	q := url.Values{}
	q.Set("startTask", "CERTIFICATION_NAME")
	q.Set("name", cert.Title)
	q.Set("organizationName", m.svc.settings.SiteName)
	q.Set("issueYear", strconv.Itoa(cert.IssuedAt.In(kst).Year()))
	q.Set("issueMonth", strconv.Itoa(int(cert.IssuedAt.In(kst).Month())))
	q.Set("certUrl", cert.VerifyURL)
	q.Set("certId", cert.Serial)
	v.LinkedInURL = "https://www.linkedin.com/profile/add?" + q.Encode()
	return v
}

// progressView is a course on the way to a certificate.
type progressView struct {
	*Eligibility
	Missing []missingView
}

type missingView struct {
	Text, URL string
}

func (m *Module) missingView(c *fiber.Ctx, ms Missing) missingView {
	v := missingView{URL: ms.URL}
	switch ms.Kind {
	case missingTopics:
		v.Text = m.t(c, "certificates.missing.topics", "Count", ms.Needed)
	case missingAccess:
		v.Text = m.t(c, "certificates.missing.access")
	default:
		id := "certificates.missing.mission_" + ms.State
		if ms.State == "passed" || ms.Needed > 0 && ms.State != "not_started" {
			id = "certificates.missing.mission_score"
		}
		v.Text = m.t(c, id, "Title", ms.Title, "Mission", m.t(c, "certificates.mission."+ms.Mission),
			"Score", ms.Score, "Needed", ms.Needed)
	}
	return v
}

func (m *Module) minePage(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	if p == nil {
		return c.Redirect(m.web.SignInURL(c.OriginalURL()), fiber.StatusSeeOther)
	}
	ctx := c.UserContext()
	certs, err := m.svc.Mine(ctx, p)
	if err != nil {
		return err
	}
	progress, err := m.svc.OnTheWay(ctx, p, certs)
	if err != nil {
		return err
	}
	data := struct {
		Certs    []certView
		Progress []progressView
	}{}
	for _, cert := range certs {
		data.Certs = append(data.Certs, m.certView(c, cert))
	}
	for _, e := range progress {
		pv := progressView{Eligibility: e}
		for _, ms := range e.Missing {
			pv.Missing = append(pv.Missing, m.missingView(c, ms))
		}
		data.Progress = append(data.Progress, pv)
	}
	return m.web.Render(c, fiber.StatusOK, "certificates/mine", data)
}

func (m *Module) claimSubmit(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	if p == nil {
		return apperr.ErrAuthRequired
	}
	id, err := strconv.ParseInt(c.FormValue("course_id"), 10, 64)
	if err != nil || id < 1 {
		web.SetFlash(c, "warning", m.t(c, "certificates.course_not_found"))
		return c.Redirect("/me/certificates", fiber.StatusSeeOther)
	}
	cert, created, err := m.svc.Claim(c.UserContext(), p, id)
	switch {
	case err != nil && apperr.KindOf(err) != nil && apperr.KindOf(err) != apperr.Unavailable:
		web.SetFlash(c, "warning", m.message(c, err))
	case err != nil:
		return err
	case created:
		web.SetFlash(c, "success", m.t(c, "certificates.page.claimed", "Title", cert.Title))
	default:
		web.SetFlash(c, "info", m.t(c, "certificates.page.already", "Title", cert.Title))
	}
	return c.Redirect("/me/certificates", fiber.StatusSeeOther)
}

// lookupPage is the public look-up: a serial typed (or the QR code
// scanned, which opens /verify/… directly).
func (m *Module) lookupPage(c *fiber.Ctx) error {
	serial := strings.TrimSpace(c.Query("serial"))
	data := struct {
		Serial, Error string
	}{Serial: serial}
	if serial != "" {
		if norm := normalizeSerial(serial); norm != "" {
			return c.Redirect("/verify/"+norm, fiber.StatusSeeOther)
		}
		data.Error = m.t(c, "certificates.page.lookup.malformed")
	}
	status := fiber.StatusOK
	if data.Error != "" {
		status = fiber.StatusUnprocessableEntity
	}
	return m.web.Render(c, status, "certificates/lookup", data)
}

func (m *Module) verifyPage(c *fiber.Ctx) error {
	v, err := m.svc.Verify(c.UserContext(), c.Params("serial"))
	if apperr.KindOf(err) == apperr.NotFound {
		return m.web.Render(c, fiber.StatusNotFound, "certificates/lookup", struct{ Serial, Error string }{
			Serial: c.Params("serial"), Error: m.t(c, "certificates.serial_not_found")})
	}
	if err != nil {
		return err
	}
	if canon := v.Serial; c.Params("serial") != canon {
		return c.Redirect("/verify/"+canon, fiber.StatusMovedPermanently)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return m.web.Render(c, fiber.StatusOK, "certificates/verify", struct {
		V        *Verification
		KindText string
		Reason   string
	}{v, m.t(c, "certificates.kind."+v.Kind), m.t(c, "certificates.reason."+v.RevokeReason)})
}

const adminPageSize = 50

func (m *Module) adminPage(c *fiber.Ctx) error {
	p := authz.PrincipalFrom(c.UserContext())
	page := max(1, c.QueryInt("page", 1))
	status := c.Query("status")
	if status != statusValid && status != statusRevoked {
		status = ""
	}
	q := strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	list, n, err := m.svc.List(c.UserContext(), p, adminFilter{Status: status, Query: q}, adminPageSize, (page-1)*adminPageSize)
	if err != nil {
		return err
	}
	data := struct {
		Certs         []certView
		Count         int
		Status, Query string
		Pager         web.Pager
	}{Count: n, Status: status, Query: q}
	for _, cert := range list {
		data.Certs = append(data.Certs, m.certView(c, cert))
	}
	pages := (n + adminPageSize - 1) / adminPageSize
	data.Pager = web.Paginate(page, pages, func(pg int) string {
		v := url.Values{}
		if status != "" {
			v.Set("status", status)
		}
		if q != "" {
			v.Set("q", q)
		}
		v.Set("page", strconv.Itoa(pg))
		return "/admin/certificates?" + v.Encode()
	})
	return m.web.Render(c, fiber.StatusOK, "certificates/admin", data)
}

func (m *Module) adminRevoke(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return fiber.ErrNotFound
	}
	p := authz.PrincipalFrom(c.UserContext())
	reason := strings.TrimSpace(c.FormValue("reason"))
	back := "/admin/certificates"
	switch {
	case reason == "":
		web.SetFlash(c, "warning", m.t(c, "certificates.page.admin.reason_required"))
	case len([]rune(reason)) > 500:
		web.SetFlash(c, "warning", m.t(c, "certificates.page.admin.reason_too_long"))
	default:
		cert, err := m.svc.Revoke(c.UserContext(), p, id, reason)
		switch {
		case err != nil && apperr.KindOf(err) == apperr.Conflict:
			web.SetFlash(c, "warning", m.message(c, err))
		case err != nil:
			return err
		default:
			web.SetFlash(c, "success", m.t(c, "certificates.page.admin.revoked", "Serial", cert.Serial))
		}
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
