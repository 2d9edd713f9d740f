package media

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

// The library and the courses: each video and image says where courses
// use it (the catalog answers for the whole page at once), and offers to
// use it in a course the caller may edit: a video in a video topic or as a
// course's intro, an image as a course's picture. Opened "for" a topic or a
// course (?for=topic:12, ?for=course:3: catalog.MediaLibrary.LibraryURL,
// the course editor's "choose" links), the page says so and each video (or
// image) has one button that puts it there and goes back to the editor.
// The forms post here and come back with a flash (303).

// studioFor is what the library was opened to pick an item for.
type studioFor struct {
	Param  string // "topic:12", "course:3"
	Topic  bool   // a video topic's video; else a course's picture
	Target catalog.MediaTarget
}

// parseFor reads "topic:12" or "course:3".
func parseFor(s string) (courseID, topicID int64, ok bool) {
	kind, num, found := strings.Cut(s, ":")
	id, err := strconv.ParseInt(num, 10, 64)
	if !found || err != nil || id <= 0 {
		return 0, 0, false
	}
	switch kind {
	case "topic":
		return 0, id, true
	case "course":
		return id, 0, true
	}
	return 0, 0, false
}

// forQuery is the request's ?for= when it is well formed, else "".
func forQuery(c *fiber.Ctx) string {
	s := c.Query("for")
	if _, _, ok := parseFor(s); !ok {
		return ""
	}
	return s
}

// studioFor is what ?for= names, when the caller may pick for it, and the
// parameter to keep on the page's links and forms ("" for none). A topic or
// course the caller may not edit, or that does not exist, is no error: the
// page shows a notice instead of the banner.
func (m *Module) studioFor(c *fiber.Ctx) (*studioFor, string, error) {
	param := forQuery(c)
	if param == "" {
		return nil, "", nil
	}
	ctx := c.UserContext()
	courseID, topicID, _ := parseFor(param)
	t, err := m.svc.gate.MediaTarget(ctx, authz.PrincipalFrom(ctx), courseID, topicID)
	if err != nil {
		if _, ok := formProblem(c, err); ok {
			return nil, "", nil
		}
		return nil, "", err
	}
	return &studioFor{Param: param, Topic: topicID != 0, Target: t}, param, nil
}

// studioUses adds where each item of the page is used, and the courses the
// caller may put them in: a constant number of queries whatever the page
// holds.
func (m *Module) studioUses(c *fiber.Ctx, page *studioView) error {
	refs := make([]string, 0, len(page.Videos)+len(page.Images))
	for _, v := range page.Videos {
		refs = append(refs, v.Ref)
	}
	for _, img := range page.Images {
		refs = append(refs, img.Ref)
	}
	if len(refs) == 0 {
		return nil
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	uses, err := m.svc.gate.MediaUses(ctx, p, refs)
	if err != nil {
		return err
	}
	for i := range page.Videos {
		page.Videos[i].usesOf = usesFrom(uses[page.Videos[i].Ref])
	}
	for i := range page.Images {
		page.Images[i].usesOf = usesFrom(uses[page.Images[i].Ref])
	}
	if page.Targets, err = m.svc.gate.AttachTargets(ctx, p); err != nil {
		return err
	}
	return nil
}

// useTarget reads where a form asks to put media: target ("topic:12",
// "course:3", the select's value), else topic_id or course_id.
func useTarget(c *fiber.Ctx) (courseID, topicID int64, ok bool) {
	if t := c.FormValue("target"); t != "" {
		return parseFor(t)
	}
	if id, err := strconv.ParseInt(c.FormValue("topic_id"), 10, 64); err == nil && id > 0 {
		return 0, id, true
	}
	if id, err := strconv.ParseInt(c.FormValue("course_id"), 10, 64); err == nil && id > 0 {
		return id, 0, true
	}
	return 0, 0, false
}

// videoAttach is POST /studio/media/videos/{id}/attach (target, or
// topic_id, or course_id for the course's intro video).
func (m *Module) videoAttach(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	back := fmt.Sprintf("#video-%d", id)
	// The video first: someone else's is the 404 page, whatever it was
	// meant for.
	if _, err := m.svc.video(ctx, m.svc.db.R, p, "update", id); err != nil {
		return m.useFailed(c, err, back)
	}
	courseID, topicID, ok := useTarget(c)
	if !ok {
		return m.useFailed(c, errNoUseTarget, back)
	}
	t, err := m.svc.gate.MediaTarget(ctx, p, courseID, topicID)
	if err == nil {
		err = m.svc.Attach(ctx, p, id, topicID, courseID)
	}
	if err != nil {
		return m.useFailed(c, err, back)
	}
	if topicID != 0 {
		web.SetFlash(c, "success", m.t(c, "media.page.use.topic_done", "Topic", t.TopicTitle, "Course", t.CourseTitle))
	} else {
		web.SetFlash(c, "success", m.t(c, "media.page.use.intro_done", "Course", t.CourseTitle))
	}
	return c.Redirect(m.usedBack(c, courseID, topicID, t, back), fiber.StatusSeeOther)
}

// imageAttach is POST /studio/media/images/{id}/attach (course_id): the
// course's picture.
func (m *Module) imageAttach(c *fiber.Ctx) error {
	id, err := mediaID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	back := fmt.Sprintf("#image-%d", id)
	if _, err := m.svc.image(ctx, m.svc.db.R, p, "update", id); err != nil {
		return m.useFailed(c, err, back)
	}
	courseID, topicID, ok := useTarget(c)
	if !ok || topicID != 0 {
		return m.useFailed(c, errNoUseTarget, back)
	}
	t, err := m.svc.gate.MediaTarget(ctx, p, courseID, 0)
	if err == nil {
		err = m.svc.AttachImage(ctx, p, id, courseID)
	}
	if err != nil {
		return m.useFailed(c, err, back)
	}
	web.SetFlash(c, "success", m.t(c, "media.page.use.picture_done", "Course", t.CourseTitle))
	return c.Redirect(m.usedBack(c, courseID, 0, t, back), fiber.StatusSeeOther)
}

// usedBack is where a form that put media somewhere goes next: the editor
// of what the library was opened for, when that is where it went; else
// the library page it was on, at the item (anchor).
func (m *Module) usedBack(c *fiber.Ctx, courseID, topicID int64, t catalog.MediaTarget, anchor string) string {
	if fc, ft, ok := parseFor(forQuery(c)); ok && fc == courseID && ft == topicID && t.EditURL != "" {
		return t.EditURL
	}
	return studioBack(c, anchor)
}

// errNoUseTarget: the form named no topic or course.
var errNoUseTarget = apperr.InvalidFields("request.validation",
	apperr.FieldError{Location: "body.target", Message: "media.page.use.no_target"})

// useFailed answers a refused "use in" form. Someone else's (or a
// deleted) video or image is the 404 page, as for the other forms; a
// course or topic that cannot take it (not found, not the caller's to
// edit, not a video topic) goes back to the library with the reason in an
// error flash. Server faults are the error handler's.
func (m *Module) useFailed(c *fiber.Ctx, err error, anchor string) error {
	p, ok := formProblem(c, err)
	if !ok {
		return err
	}
	if errors.Is(err, apperr.NotFound) && (p.Code == errVideoNotFound.Code || p.Code == errImageNotFound.Code) {
		return err
	}
	web.SetFlash(c, "danger", m.t(c, "media.page.use.failed", "Reason", problemText(p)))
	return c.Redirect(studioBack(c, anchor), fiber.StatusSeeOther)
}
