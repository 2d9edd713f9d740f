package catalog

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// The course settings form's fields, in display order (the outline has its
// own editor, pages_outline.go; the status its own form). The certificate
// rule's fields are certificate_<its JSON name> ("certificate" the box
// "issue a certificate"), see certificateForm.
var editorFields = []string{"title", "slug", "summary", "description", "category", "skill_level",
	"price", "access_days", "credits", "estimated_hours", "tags", "prerequisites",
	"certificate", "certificate_min_progress", "certificate_missions", "certificate_min_score",
	"thumbnail", "intro_video"}

// Bounds, in bytes, on submitted values: loose enough that everything the
// service accepts passes whole, so its validation decides and reports.
const (
	maxLine     = 2000
	maxText     = 400_000
	maxListItem = 64
	// libraryPicks is how many of the library's newest items a picker shows.
	libraryPicks = 60
)

// editorPage is the data of "catalog/editor", the course settings form.
type editorPage struct {
	Form       *web.Form
	New        bool
	Course     *CourseDetail // nil for a new course
	Action     string
	Categories []web.Option
	Levels     []web.Option
	// CertMissions are the choices of the missions a certificate asks for.
	CertMissions []web.Option
	// Version is the course's version the form was loaded at; Stale says a
	// save was refused because the course was saved since.
	Version int64
	Stale   bool
	// Base fingerprints the values the form was loaded with (see merge);
	// after a refused save, Taken names the fields brought up to date from
	// the other save and Conflicts those both saves changed (Merged: the
	// form had a base to merge by).
	Base      string
	Merged    bool
	Taken     []string
	Conflicts []settingsConflict
	Pictures  []pick // the library's images (and the current picture)
	Intros    []pick // the library's ready videos (and the current intro)
	// LibraryURL opens the library to upload a picture for the course.
	LibraryURL string
	Tabs       studioTabs
}

// pick is a library item offered by a picker.
type pick struct {
	Ref      string
	Label    string
	Thumb    string
	Status   string
	Selected bool
}

// editorOf is the settings form of a new course (d nil) or of course d.
func (m *Module) editorOf(c *fiber.Ctx, f *web.Form, d *CourseDetail) (editorPage, error) {
	pg := editorPage{Form: f, New: d == nil, Course: d, Action: "/studio/courses/new",
		Categories:   m.options(c, "catalog.page.category.", Categories, ""),
		Levels:       m.options(c, "catalog.page.level.", SkillLevels, ""),
		CertMissions: m.options(c, "catalog.page.certificate.mission.", certMissionChoices, "")}
	if d == nil {
		return pg, nil
	}
	pg.Action, pg.Version = fmt.Sprintf("/studio/courses/%d/settings", d.ID), d.Version
	pg.Base = c.FormValue("base")
	if pg.Base == "" || c.Method() == fiber.MethodGet {
		pg.Base = fingerprints(m.formOf(c, ptr(courseInputOf(d, true))))
	}
	pg.Tabs = m.tabs(c, d, "settings")
	pg.LibraryURL = m.svc.library.Get().LibraryURL(d.ID, 0)
	var err error
	if pg.Pictures, err = m.picks(c, "image", f.Value("thumbnail"), d.Thumbnail); err != nil {
		return pg, err
	}
	if pg.Intros, err = m.picks(c, "video", f.Value("intro_video"), d.IntroVideo); err != nil {
		return pg, err
	}
	return pg, nil
}

// picks lists the library's items of kind for a picker, the stored one
// (current) first when the library's newest do not hold it, with chosen
// selected.
func (m *Module) picks(c *fiber.Ctx, kind, chosen, current string) ([]pick, error) {
	ctx := c.UserContext()
	lib := m.svc.library.Get()
	items, err := lib.Attachable(ctx, authz.PrincipalFrom(ctx), kind, libraryPicks)
	if err != nil {
		return nil, err
	}
	if current != "" && !slices.ContainsFunc(items, func(it MediaItem) bool { return it.Ref == current }) {
		known, err := lib.Describe(ctx, []string{current})
		if err != nil {
			return nil, err
		}
		if it, ok := known[current]; ok {
			items = append([]MediaItem{it}, items...)
		}
	}
	out := make([]pick, 0, len(items))
	for _, it := range items {
		if kind == "video" && !it.MediaReady() && it.Ref != current {
			continue // only a processed video can be an intro
		}
		label := it.Title
		if label == "" {
			label = m.t(c, "catalog.page.settings.untitled")
		}
		out = append(out, pick{Ref: it.Ref, Label: label, Thumb: it.Thumb, Status: it.Status, Selected: it.Ref == chosen})
	}
	return out, nil
}

func (m *Module) newCourse(c *fiber.Ctx) error {
	f := m.formOf(c, &CourseInput{Category: "frontend", SkillLevel: "beginner", AccessDays: 730})
	f.Focus("title")
	pg, err := m.editorOf(c, f, nil)
	if err != nil {
		return err
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/editor", pg)
}

// createCourse creates a draft with the settings given and opens its
// outline editor.
func (m *Module) createCourse(c *fiber.Ctx) error {
	in, f, ok := m.readForm(c, CertificateRule{})
	status := fiber.StatusUnprocessableEntity
	if ok {
		in.Status = "draft"
		d, err := m.svc.CreateCourse(c.UserContext(), authz.PrincipalFrom(c.UserContext()), in)
		if err == nil {
			web.SetFlash(c, "success", m.t(c, "catalog.page.editor.created"))
			return c.Redirect(fmt.Sprintf("/studio/courses/%d", d.ID), fiber.StatusSeeOther)
		}
		var shown bool
		if status, _, shown = m.formError(c, f, err); !shown {
			return err
		}
	}
	pg, err := m.editorOf(c, f, nil)
	if err != nil {
		return err
	}
	return m.web.Render(c, status, "catalog/editor", pg)
}

// courseToEdit loads the course of the path for its editor: 404 when the
// caller cannot see it, 403 when they may not change it.
func (m *Module) courseToEdit(c *fiber.Ctx) (*CourseDetail, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return m.svc.CourseToEdit(c.UserContext(), authz.PrincipalFrom(c.UserContext()), id)
}

func (m *Module) editSettings(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	in := courseInputOf(d, true)
	pg, err := m.editorOf(c, m.formOf(c, &in), d)
	if err != nil {
		return err
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/editor", pg)
}

// saveSettings saves the course's own fields (not its outline or status)
// as of the version the form was loaded at, then the picture and intro
// video chosen from the library (the media module checks they are the
// caller's to use).
func (m *Module) saveSettings(c *fiber.Ctx) error {
	d, err := m.courseToEdit(c)
	if err != nil {
		return err
	}
	ctx, p := c.UserContext(), authz.PrincipalFrom(c.UserContext())
	in, f, ok := m.readForm(c, d.Certificate)
	status := fiber.StatusUnprocessableEntity
	if ok {
		cp := CoursePatch{Slug: &in.Slug, Title: &in.Title, Summary: &in.Summary, Description: &in.Description,
			Category: &in.Category, SkillLevel: &in.SkillLevel, Price: &in.Price, AccessDays: &in.AccessDays,
			Credits: &in.Credits, EstimatedHours: &in.EstimatedHours, Tags: &in.Tags, Prerequisites: &in.Prerequisites,
			Certificate: &in.Certificate}
		if in.Slug == "" {
			cp.Slug = nil
		}
		_, err = m.svc.PatchCourse(ctx, p, d.ID, cp, formVersion(c))
		if err == nil {
			err = m.setCourseMedia(ctx, p, d, "thumbnail", f.Value("thumbnail"), d.Thumbnail)
		}
		if err == nil {
			err = m.setCourseMedia(ctx, p, d, "intro_video", f.Value("intro_video"), d.IntroVideo)
		}
		if err == nil {
			web.SetFlash(c, "success", m.t(c, "catalog.page.editor.saved"))
			return c.Redirect(fmt.Sprintf("/studio/courses/%d/settings", d.ID), fiber.StatusSeeOther)
		}
		var shown bool
		switch {
		case errors.Is(err, apperr.Stale):
			// Keep what was typed, merged with what was saved meanwhile;
			// the form now carries the current version, so saving again
			// keeps both.
			if d, err = m.courseToEdit(c); err != nil {
				return err
			}
			taken, conflicts, merged := m.merge(c, f, d, c.FormValue("base"))
			pg, err := m.editorOf(c, f, d)
			if err != nil {
				return err
			}
			pg.Base = fingerprints(m.formOf(c, ptr(courseInputOf(d, true))))
			pg.Stale, pg.Taken, pg.Conflicts, pg.Merged = true, taken, conflicts, merged
			return m.web.Render(c, fiber.StatusConflict, "catalog/editor", pg)
		default:
			if status, _, shown = m.formError(c, f, err); !shown {
				return err
			}
		}
	}
	pg, err := m.editorOf(c, f, d)
	if err != nil {
		return err
	}
	return m.web.Render(c, status, "catalog/editor", pg)
}

// settingsConflict is a field both saves changed: its label and the value
// the other save stored.
type settingsConflict struct {
	Label, Saved string
}

// fingerprint is a short hash of a field's value as the form shows it.
func fingerprint(v string) string {
	h := fnv.New32a()
	h.Write([]byte(v))
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

// fingerprints is the settings form's hidden "base": the fingerprint of
// each field's value, in editorFields order.
func fingerprints(f *web.Form) string {
	out := make([]string, len(editorFields))
	for i, n := range editorFields {
		out[i] = fingerprint(f.Value(n))
	}
	return strings.Join(out, ".")
}

// merge brings a settings form refused as stale up to date with course d
// as saved meanwhile, by the values the form was loaded with (base): a
// field the tutor did not change takes the saved value (taken: the
// labels of those that differ); a field they changed keeps what they
// typed, and is a conflict when the other save changed it too. Saving the
// merged form then loses neither save. Without a base (an old form) the
// typed values all stay.
func (m *Module) merge(c *fiber.Ctx, f *web.Form, d *CourseDetail, base string) (taken []string, conflicts []settingsConflict, ok bool) {
	was := strings.Split(base, ".")
	if len(was) != len(editorFields) {
		return nil, nil, false
	}
	saved := m.formOf(c, ptr(courseInputOf(d, true)))
	for i, n := range editorFields {
		typed, now := f.Value(n), saved.Value(n)
		switch {
		case typed == now:
		case fingerprint(typed) == was[i]:
			f.Set(n, now)
			taken = append(taken, m.fieldLabel(c, n))
		case fingerprint(now) != was[i]:
			conflicts = append(conflicts, settingsConflict{Label: m.fieldLabel(c, n), Saved: m.shownValue(c, n, now)})
		}
	}
	return taken, conflicts, true
}

// fieldLabel is a settings field's label.
func (m *Module) fieldLabel(c *fiber.Ctx, name string) string {
	switch name {
	case "thumbnail":
		return m.t(c, "catalog.page.settings.picture")
	case "intro_video":
		return m.t(c, "catalog.page.settings.intro")
	case "certificate":
		return m.t(c, "catalog.page.certificate.issue")
	}
	if rest, ok := strings.CutPrefix(name, "certificate_"); ok {
		return m.t(c, "catalog.page.certificate."+rest)
	}
	return m.t(c, "catalog.page.field."+name)
}

// shownValue words a field's value for the conflict list: a choice by its
// label, media by its title, empty as "none", long text cut.
func (m *Module) shownValue(c *fiber.Ctx, name, v string) string {
	switch {
	case name == "certificate" && v != "":
		return m.t(c, "catalog.page.certificate.issued")
	case name == "certificate":
		return m.t(c, "catalog.page.certificate.none")
	case name == "certificate_missions":
		if id := "catalog.page.certificate.mission." + v; m.i18n.Has(id) {
			return m.t(c, id)
		}
	case v == "":
		return m.t(c, "catalog.page.settings.none")
	case name == "category" || name == "skill_level":
		if id := "catalog.page." + map[string]string{"category": "category.", "skill_level": "level."}[name] + v; m.i18n.Has(id) {
			return m.t(c, id)
		}
	case name == "thumbnail" || name == "intro_video":
		if known, err := m.svc.library.Get().Describe(c.UserContext(), []string{v}); err == nil && known[v].Title != "" {
			return known[v].Title
		}
	}
	return clipRunes(v, 120)
}

// setCourseMedia changes the course's picture or intro video (field) to ref
// when it differs from the stored one (old): through the library, which
// checks the item is the caller's to use; "" removes it.
func (m *Module) setCourseMedia(ctx context.Context, p *authz.Principal, d *CourseDetail, field, ref, old string) error {
	if ref == old {
		return nil
	}
	if ref == "" {
		return m.svc.SetCourseMedia(ctx, p, d.ID, field, "")
	}
	err := m.svc.library.Get().Attach(ctx, p, ref, d.ID, 0, field)
	if errors.Is(err, apperr.NotFound) || errors.Is(err, apperr.Invalid) {
		return invalidAt("body."+field, "catalog.page.settings.media_unusable", ref)
	}
	return err
}

// formVersion is the course version a studio form was loaded at (its
// hidden "version" field); AnyVersion when absent.
func formVersion(c *fiber.Ctx) int64 {
	v, err := strconv.ParseInt(c.FormValue("version"), 10, 64)
	if err != nil || v < 1 {
		return AnyVersion
	}
	return v
}

// formOf fills the settings form from a course input.
func (m *Module) formOf(c *fiber.Ctx, in *CourseInput) *web.Form {
	f := web.NewForm(editorFields...)
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	f.Set("title", in.Title).Set("slug", in.Slug).Set("summary", in.Summary).Set("description", in.Description)
	f.Set("category", in.Category).Set("skill_level", in.SkillLevel)
	f.Set("price", num(in.Price)).Set("access_days", num(int64(in.AccessDays))).Set("credits", num(int64(in.Credits)))
	f.Set("estimated_hours", num(int64(in.EstimatedHours)))
	f.Set("tags", strings.Join(in.Tags, ", ")).Set("prerequisites", strings.Join(in.Prerequisites, ", "))
	f.Set("thumbnail", in.Thumbnail).Set("intro_video", in.IntroVideo)
	setCertificateForm(f, in.Certificate)
	return f
}

// certMissionChoices are the form's values of CertificateRule.Missions,
// by CertificateMissions: a select cannot tell an empty choice from none.
var certMissionChoices = []string{"all", CertMissionsFinal, CertMissionsNone}

// certificateForm is the hidden field saying the form carries the
// certificate rule's fields: an unchecked box is not sent, so a form
// without it (one loaded before they existed) keeps the rule as it is.
const certificateForm = "certificate_form"

// setCertificateForm shows a certificate rule on the settings form: the
// progress as a percent (0: 100), the missions by certMissionChoices.
func setCertificateForm(f *web.Form, r CertificateRule) {
	issued, missions := "1", r.Missions
	if r.Disabled {
		issued = ""
	}
	if i := slices.Index(CertificateMissions, r.Missions); i >= 0 {
		missions = certMissionChoices[i]
	}
	f.Set("certificate", issued).Set("certificate_missions", missions)
	f.Set("certificate_min_progress", strconv.Itoa(r.Progress())).Set("certificate_min_score", strconv.Itoa(r.MinScore))
}

// certificateErrors moves the errors of a certificate rule's fields
// ("body.certificate.min_score") to the form's fields for them
// ("body.certificate_min_score").
func certificateErrors(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	out := *ae
	out.Fields = slices.Clone(ae.Fields)
	for i, fe := range out.Fields {
		if rest, ok := strings.CutPrefix(fe.Location, "body.certificate."); ok {
			out.Fields[i].Location = "body.certificate_" + rest
		}
	}
	return &out
}

// formText reads a submitted text value: CRLF as LF, cut at max bytes (on
// a rune boundary), trimmed.
func formText(c *fiber.Ctx, name string, max int) string {
	s := strings.ReplaceAll(c.FormValue(name), "\r\n", "\n")
	if len(s) > max {
		s = s[:max]
		for len(s) > 0 && !utf8.RuneStart(s[len(s)-1]) {
			s = s[:len(s)-1]
		}
	}
	return strings.TrimSpace(s)
}

// readForm reads the submitted settings. ok is false when a number is not
// one: then f carries that error and the service's field checks, and
// nothing is saved.
//
// keep is the certificate rule to save when the form does not carry its
// fields (certificateForm).
func (m *Module) readForm(c *fiber.Ctx, keep CertificateRule) (in CourseInput, f *web.Form, ok bool) {
	f = web.NewForm(editorFields...)
	for _, n := range editorFields {
		limit := maxLine
		if n == "description" {
			limit = maxText
		}
		f.Set(n, formText(c, n, limit))
	}
	in = CourseInput{Title: f.Value("title"), Slug: strings.ToLower(f.Value("slug")), Summary: f.Value("summary"),
		Description: f.Value("description"), Category: f.Value("category"), SkillLevel: f.Value("skill_level"),
		Tags: splitList(f.Value("tags")), Prerequisites: splitList(strings.ToLower(f.Value("prerequisites")))}
	ok = true
	number := func(name string, dst func(int64)) {
		s := strings.NewReplacer(",", "", "원", "", " ", "").Replace(f.Value(name))
		if s == "" {
			return
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.Fail(name, m.t(c, "catalog.page.editor.not_a_number"))
			ok = false
			return
		}
		dst(n)
	}
	number("price", func(n int64) { in.Price = n })
	number("access_days", func(n int64) { in.AccessDays = clampInt(n) })
	number("credits", func(n int64) { in.Credits = clampInt(n) })
	number("estimated_hours", func(n int64) { in.EstimatedHours = clampInt(n) })
	if c.FormValue(certificateForm) == "" {
		in.Certificate = keep
		setCertificateForm(f, keep)
	} else {
		cert := &in.Certificate
		cert.Disabled = f.Value("certificate") == ""
		cert.Missions = f.Value("certificate_missions")
		if i := slices.Index(certMissionChoices, cert.Missions); i >= 0 {
			cert.Missions = CertificateMissions[i]
		}
		number("certificate_min_progress", func(n int64) { cert.MinProgress = clampInt(n) })
		if cert.MinProgress == maxPercent {
			cert.MinProgress = 0 // every topic: the default, stored as such
		}
		number("certificate_min_score", func(n int64) { cert.MinScore = clampInt(n) })
	}
	if !ok {
		// Report the other fields' problems too, without saving.
		probe := in
		probe.Normalize(m.svc.kinds)
		m.placement(c).Place(f, certificateErrors(invalid(ValidateCourseFields(&probe))), m.translator(c))
	}
	return in, f, ok
}

func clampInt(n int64) int {
	return int(min(max(n, -1_000_000_000), 1_000_000_000))
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, clipRunes(it, maxListItem))
		}
	}
	return out
}

// formError puts a service error on the form: field errors next to their
// fields, outline ones in the list above the form, a taken slug on its
// field. It returns the status to render with and the outline's issues, and
// whether the error was one a form can show; others go to the error handler.
func (m *Module) formError(c *fiber.Ctx, f *web.Form, err error) (int, []web.Issue, bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return 0, nil, false
	}
	if ae.Code == errSlugTaken.Code {
		f.Fail("slug", m.t(c, "catalog.slug_taken"))
		return fiber.StatusConflict, nil, true
	}
	if !errors.Is(err, apperr.Invalid) {
		return 0, nil, false
	}
	issues, ok := m.placement(c).Place(f, certificateErrors(err), m.translator(c))
	return fiber.StatusUnprocessableEntity, issues, ok
}

// placement places errors on the editor: the outline's ("lectures[0].
// topics[1].title") in the list above the form, worded "강의 1 › 토픽 2 ›
// title".
func (m *Module) placement(c *fiber.Ctx) web.ErrorPlacement {
	return web.ErrorPlacement{Nested: []string{"lectures"},
		Item: func(list string, n int) string {
			id := "catalog.page.editor.at." + list
			if !m.i18n.Has(id) {
				return ""
			}
			return m.t(c, id, "N", n)
		},
		Summary: func(_ string, n int) string { return m.t(c, "catalog.page.editor.outline_errors", "Count", n) },
	}
}

// translator translates field errors' messages for c (see tr).
func (m *Module) translator(c *fiber.Ctx) func(string) string {
	return func(msg string) string { return m.tr(c, msg) }
}
