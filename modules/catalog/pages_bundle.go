package catalog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/web"
)

// Bundles in the studio: "export as bundle" downloads a course (or a
// curriculum) as a zip archive in the format `weaverse content import`
// reads, and the import page uploads one, checks it as `content validate`
// does and imports it, showing every problem by file, line and column.

const (
	importPath = "/studio/import"
	// maxBundleUpload bounds an uploaded archive: a course's videos fit,
	// and the archive is streamed to disk, never held in memory.
	maxBundleUpload = 512 << 20
	// exportWriteTimeout bounds the download of an export, videos
	// included, to a slow client.
	exportWriteTimeout = 2 * time.Hour
	// ProblemsHeader counts, on an export's response, what the bundle could
	// not carry (listed in the archive's EXPORT-PROBLEMS.txt).
	problemsHeader = "X-Bundle-Problems"
)

// bundlePages mounts the export downloads and the import page; teach is
// the studio's guard (catalog.course create).
func (m *Module) bundlePages(r fiber.Router, teach fiber.Handler) {
	r.Get("/studio/courses/:id/export", teach, m.exportCourse)
	r.Get("/studio/curriculums/:id/export", httpx.RequirePage(m.authz, objCurriculum, "create"), m.exportCurriculum)
	r.Get(importPath, teach, m.importForm)
	r.Post(importPath, teach, m.importBundle)
}

func (m *Module) exportCourse(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return m.sendExport(c, strconv.FormatInt(id, 10), false)
}

func (m *Module) exportCurriculum(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return m.sendExport(c, strconv.FormatInt(id, 10), true)
}

// sendExport answers with the bundle as a zip download. Everything that can
// fail cleanly — the permission, the database, finding each media file —
// happens before the first byte; the archive is then streamed, media files
// read as they are written, so memory stays bounded whatever the videos'
// size. A failure while streaming cuts the download (the archive is then
// visibly damaged) and is logged.
func (m *Module) sendExport(c *fiber.Ctx, ref string, curriculum bool) error {
	exp, err := m.ExportBundle(c.UserContext(), authz.PrincipalFrom(c.UserContext()), ref, curriculum)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, exp.Name()))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(problemsHeader, strconv.Itoa(len(exp.Problems())))
	// The stream is written after the handler returns, when the request's
	// context (and its deadline) are over.
	ctx := context.WithoutCancel(c.UserContext())
	logger := m.svc.logger
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := exp.WriteZip(ctx, w); err != nil {
			logger.WarnContext(ctx, "bundle export cut short", "bundle", exp.Name(), "err", err)
			return
		}
		if err := w.Flush(); err != nil {
			logger.InfoContext(ctx, "bundle export not delivered", "bundle", exp.Name(), "err", err)
		}
	})
	return nil
}

// importView is the data of "catalog/import".
type importView struct {
	Form   *web.Form // the "bundle" field and its error
	MaxMiB int
	// Problems are the bundle's, by file, line and column; nothing was
	// imported.
	Problems []BundleProblem
	Report   *importReport // what an import did
}

// importReport is an import's outcome, by course (linked) and curriculum.
type importReport struct {
	Created, Updated, Unchanged []importItem
}

type importItem struct {
	Name string
	URL  string // the course's page ("" for a curriculum)
}

func (m *Module) importView() importView {
	return importView{Form: web.NewForm("bundle"), MaxMiB: maxBundleUpload >> 20}
}

func (m *Module) importForm(c *fiber.Ctx) error {
	return m.web.Render(c, fiber.StatusOK, "catalog/import", m.importView())
}

// importBundle receives an archive, checks it and imports it, authored by
// the caller. A bundle with any problem is refused whole: the page lists
// the problems and nothing is written.
func (m *Module) importBundle(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := authz.PrincipalFrom(ctx)
	pg := m.importView()
	f, size, err := m.receiveBundle(c)
	if f != nil {
		defer os.Remove(f.Name())
		defer f.Close()
	}
	if err != nil {
		return m.importRefused(c, pg, err)
	}
	b, problems, err := m.bundles.ReadZip(f, size)
	if err != nil {
		return m.importRefused(c, pg, err)
	}
	if len(problems) > 0 {
		pg.Problems = problems
		pg.Form.Fail("bundle", m.t(c, "catalog.page.import.has_problems", "Count", len(problems)))
		return m.web.Render(c, fiber.StatusUnprocessableEntity, "catalog/import", pg)
	}
	if b.Curriculum != nil {
		if err := m.authz.Check(p, objCurriculum, "create"); err != nil {
			return err
		}
	}
	rep, err := m.svc.Import(ctx, b, p.UserID)
	if err != nil {
		return m.importRefused(c, pg, err)
	}
	if pg.Report, err = m.reportOf(ctx, p, rep); err != nil {
		return err
	}
	return m.web.Render(c, fiber.StatusOK, "catalog/import", pg)
}

// importRefused shows why an upload was refused: a problem with the
// archive on the file field, the import's on the list. Server faults go to
// the error handler.
func (m *Module) importRefused(c *fiber.Ctx, pg importView, err error) error {
	var ae *BundleArchiveError
	if errors.As(err, &ae) {
		pg.Form.Fail("bundle", m.t(c, "catalog.bundle.archive."+ae.Reason, "File", ae.File,
			"Limit", web.Number(ae.Limit), "MiB", web.Number(ae.Limit>>20)))
		return m.web.Render(c, fiber.StatusUnprocessableEntity, "catalog/import", pg)
	}
	if apperr.KindOf(err) == nil {
		return err
	}
	prob := httpx.NewProblem(c.UserContext(), err)
	if prob.Status >= 500 {
		return err
	}
	file := ""
	var fe *BundleFileError
	if errors.As(err, &fe) {
		file = fe.File
	}
	for _, e := range prob.Errors {
		msg := e.Message
		if e.Value != nil {
			msg += fmt.Sprintf(" (%v)", e.Value)
		}
		pg.Problems = append(pg.Problems, BundleProblem{File: file, Message: strings.TrimPrefix(e.Location+": ", ": ") + msg})
	}
	if len(pg.Problems) == 0 && file != "" {
		pg.Problems = append(pg.Problems, BundleProblem{File: file, Message: prob.Detail})
	}
	pg.Form.Fail("bundle", prob.Detail)
	return m.web.Render(c, prob.Status, "catalog/import", pg)
}

// reportOf links the courses an import names to their pages.
func (m *Module) reportOf(ctx context.Context, p *authz.Principal, rep ImportReport) (*importReport, error) {
	items := func(names []string) ([]importItem, error) {
		out := make([]importItem, 0, len(names))
		for _, n := range names {
			it := importItem{Name: n}
			if !strings.HasPrefix(n, "curriculum ") {
				id, err := m.svc.CourseIDBySlug(ctx, p, n)
				if err != nil {
					return nil, err
				}
				it.URL = fmt.Sprintf("/courses/%d", id)
			}
			out = append(out, it)
		}
		return out, nil
	}
	var r importReport
	var err error
	if r.Created, err = items(rep.Created); err != nil {
		return nil, err
	}
	if r.Updated, err = items(rep.Updated); err != nil {
		return nil, err
	}
	r.Unchanged, err = items(rep.Unchanged)
	return &r, err
}

var (
	errBundleMultipart = apperr.New(apperr.Unsupported, "catalog.bundle.multipart", "catalog.bundle.multipart")
	errBundleRequired  = apperr.New(apperr.Invalid, "catalog.bundle.required", "catalog.bundle.required")
	errBundleTooLarge  = apperr.New(apperr.TooLarge, "catalog.bundle.too_large", "catalog.bundle.too_large").
				With(map[string]any{"MiB": maxBundleUpload >> 20})
)

// receiveBundle streams the upload's "bundle" part to a temporary file
// (at most maxBundleUpload bytes) and returns it with its size. The file is
// returned, to be removed, whenever it was made.
func (m *Module) receiveBundle(c *fiber.Ctx) (*os.File, int64, error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, 0, errBundleMultipart
	}
	var body io.Reader
	if c.Request().IsBodyStream() {
		body = c.Request().BodyStream()
	} else {
		body = bytes.NewReader(c.Body())
	}
	mr := multipart.NewReader(body, params["boundary"])
	// The form has one field; a few others are skipped (read and dropped),
	// not an endless stream of them.
	for skipped := 0; skipped <= maxOtherParts; skipped++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, 0, errBundleRequired
		}
		if err != nil {
			return nil, 0, apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
		}
		if part.FormName() != "bundle" {
			continue
		}
		if part.FileName() == "" {
			return nil, 0, errBundleRequired
		}
		f, err := os.CreateTemp(m.tempDir, "bundle-*.zip")
		if err != nil {
			return nil, 0, err
		}
		n, err := io.Copy(f, io.LimitReader(part, maxBundleUpload+1))
		switch {
		case err != nil:
			return f, 0, apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
		case n > maxBundleUpload:
			return f, 0, errBundleTooLarge
		case n == 0:
			return f, 0, errBundleRequired
		}
		return f, n, nil
	}
	return nil, 0, errBundleRequired
}

// maxOtherParts bounds the form fields an upload may send besides the file.
const maxOtherParts = 8
