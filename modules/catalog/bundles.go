package catalog

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/weaverse/weaverse/platform/authz"
)

// Course bundles as files: an export turns a course (or a curriculum with
// its courses) into a bundle as its authors see it — answer keys included —
// and an upload is read back and imported. The bundle format belongs to
// package bundle, which imports this one; the catalog reaches it through
// BundleFiles, which app wires (Deps.Bundles).

// BundleFiles reads and writes course bundles as zip archives (package
// bundle implements it).
type BundleFiles interface {
	// Export prepares b — a curriculum and its courses, or one course, as
	// the catalog stores them: media named by references — for writing. The
	// media references are resolved through media now (nothing is read
	// until WriteZip); media it cannot carry are the export's Problems.
	Export(ctx context.Context, b *Bundle, media BundleMedia) (BundleExport, error)
	// ReadZip opens the zip archive r (size bytes) and loads the bundle it
	// holds, as `weaverse content validate` does. A bundle with problems is
	// not returned. An archive that is not one a server should unpack (not
	// a zip, too large unpacked, too many files, a path leaving the bundle)
	// is a *BundleArchiveError.
	ReadZip(r io.ReaderAt, size int64) (*Bundle, []BundleProblem, error)
}

// BundleExport is a bundle ready to be written.
type BundleExport interface {
	// Name is the archive's file name: "<slug>.zip".
	Name() string
	// Problems are what the bundle does not carry (a video whose original
	// is not stored, captions in a second language): each names the
	// course.yaml and the field, and the bundle says so too, in a file
	// beside it.
	Problems() []BundleProblem
	// WriteZip streams the archive to w: the YAML and Markdown files, then
	// each media file as it is read.
	WriteZip(ctx context.Context, w io.Writer) error
}

// BundleProblem is one thing wrong with a bundle (or left out of an
// export), located in a file: File is relative to the bundle root's parent;
// Line and Column are 1-based, 0 when unknown.
type BundleProblem struct {
	File         string
	Line, Column int
	Message      string
}

// BundleArchiveError refuses an uploaded archive as a whole. Reason is one
// of the BundleArchive* reasons; File names the entry at fault, if any;
// Limit is the limit passed, if any.
type BundleArchiveError struct {
	Reason string
	File   string
	Limit  int64
}

// The reasons of a BundleArchiveError.
const (
	BundleArchiveNotZip       = "not_zip"        // not a zip archive, or a damaged one
	BundleArchiveTooMany      = "too_many_files" // more entries than Limit
	BundleArchiveTooLarge     = "too_large"      // more than Limit bytes unpacked, or a zip bomb
	BundleArchiveUnsafePath   = "unsafe_path"    // an absolute path, "..", a link or an invalid name
	BundleArchiveDuplicate    = "duplicate"      // two entries of one name
	BundleArchiveUnsupported  = "unsupported"    // encrypted, or a compression method Go does not read
	BundleArchiveNotABundle   = "not_a_bundle"   // no course.yaml or curriculum.yaml where one belongs
	BundleArchiveUnreadable   = "unreadable"     // an entry's data does not match its header
	BundleArchiveNoBundleRoot = "several_roots"  // several top folders: which is the bundle?
)

func (e *BundleArchiveError) Error() string {
	s := "bundle archive: " + e.Reason
	if e.File != "" {
		s += ": " + e.File
	}
	if e.Limit > 0 {
		s += " (limit " + strconv.FormatInt(e.Limit, 10) + ")"
	}
	return s
}

// BundleFileError is an import's failure with one file of the bundle (a
// video the media module refused): File is the path as the bundle names it.
type BundleFileError struct {
	File string
	Err  error
}

func (e *BundleFileError) Error() string { return fmt.Sprintf("%s: %v", e.File, e.Err) }
func (e *BundleFileError) Unwrap() error { return e.Err }

// ExportCourse returns a course as a one-course bundle, for whoever may
// change it (catalog.course update): with every answer key, its media named
// by reference. 404 when p cannot see the course, 403 when p may not change
// it.
func (s *service) ExportCourse(ctx context.Context, p *authz.Principal, id int64) (*Bundle, error) {
	d, err := s.CourseToEdit(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return &Bundle{Courses: []CourseInput{courseInputOf(d, false)}}, nil
}

// ExportCurriculum returns a curriculum and its courses (drafts included,
// in roadmap order) as a bundle, for whoever may change the curriculum and
// each of its courses: 404 when p cannot see the curriculum, 403 when p may
// not change it or one of its courses.
func (s *service) ExportCurriculum(ctx context.Context, p *authz.Principal, ref string) (*Bundle, error) {
	uid := userID(p)
	r, err := s.st.curriculum(ctx, s.db.R, ref, uid)
	if err != nil {
		return nil, err
	}
	if err := s.readable(p, objCurriculum, r.rels, errCurriculumNotFound); err != nil {
		return nil, err
	}
	if err := s.authz.Check(p, objCurriculum, "update", r.of()...); err != nil {
		return nil, err
	}
	rows, err := s.st.curriculumCourses(ctx, s.db.R, r.ID, true, uid)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Curriculum: &CurriculumInput{Slug: r.Slug, Title: r.Title, Summary: r.Summary, Description: r.Description,
		Category: r.Category, SkillLevel: r.SkillLevel, Price: r.Price, AccessDays: r.AccessDays, Tags: r.Tags.V,
		Status: r.Status, Courses: []string{}}}
	for _, row := range rows {
		// A course of the curriculum the caller may not change (an admin put
		// it there) is refused like the curriculum would be: its answer
		// keys are not the caller's to take.
		if err := s.authz.Check(p, objCourse, "update", row.of()...); err != nil {
			return nil, err
		}
		d, err := s.Course(ctx, p, row.ID)
		if err != nil {
			return nil, err
		}
		b.Curriculum.Courses = append(b.Curriculum.Courses, d.Slug)
		b.Courses = append(b.Courses, courseInputOf(d, false))
	}
	return b, nil
}

// courseInputOf turns a course, as its editors see it, back into the input
// that would make it: with ids, the input of a tree update that keeps every
// lecture, topic, question and choice; without, a bundle's. Missions
// "none" and empty payloads are left out, as an author would write them.
func courseInputOf(d *CourseDetail, ids bool) CourseInput {
	id := func(n int64) *int64 {
		if !ids {
			return nil
		}
		return &n
	}
	in := CourseInput{Slug: d.Slug, Title: d.Title, Summary: d.Summary, Description: d.Description,
		Category: d.Category, SkillLevel: d.SkillLevel, Price: d.Price, AccessDays: d.AccessDays, Credits: d.Credits,
		EstimatedHours: d.EstimatedHours, Tags: d.Tags, Status: d.Status, Thumbnail: d.Thumbnail, IntroVideo: d.IntroVideo,
		Certificate: d.Certificate, Lectures: make([]LectureInput, 0, len(d.Lectures))}
	for _, p := range d.Prerequisites {
		in.Prerequisites = append(in.Prerequisites, p.Slug)
	}
	for _, l := range d.Lectures {
		lecture := LectureInput{ID: id(l.ID), Slug: l.Slug, Title: l.Title, Summary: l.Summary,
			Topics: make([]TopicInput, 0, len(l.Topics))}
		for _, tp := range l.Topics {
			lecture.Topics = append(lecture.Topics, topicInputOf(&tp, id))
		}
		in.Lectures = append(in.Lectures, lecture)
	}
	return in
}

// topicInputOf is courseInputOf for one topic.
func topicInputOf(tp *Topic, id func(int64) *int64) TopicInput {
	t := TopicInput{ID: id(tp.ID), Slug: tp.Slug, Title: tp.Title, Kind: tp.Kind, Premium: tp.Premium,
		PassScore: tp.PassScore, MaxAttempts: tp.MaxAttempts, Duration: tp.Duration}
	if tp.Mission != "none" {
		t.Mission = tp.Mission
	}
	ct := tp.Content
	if ct == nil {
		return t
	}
	t.Video, t.Captions, t.Notes, t.Body = ct.Video, ct.Captions, ct.Notes, ct.Body
	if len(ct.Payload) > 0 && string(ct.Payload) != "null" {
		t.Payload = ct.Payload
	}
	for _, q := range ct.Questions {
		question := QuestionInput{ID: id(q.ID), Prompt: q.Prompt, Explanation: q.Explanation, Multiple: q.Multiple}
		for _, c := range q.Choices {
			question.Choices = append(question.Choices, ChoiceInput{ID: id(c.ID), Text: c.Text, Correct: c.IsCorrect != nil && *c.IsCorrect})
		}
		t.Questions = append(t.Questions, question)
	}
	if a := ct.Assignment; a != nil {
		t.Assignment = &AssignmentInput{Prompt: a.Prompt, Grader: a.Grader, StarterCode: a.StarterCode,
			Solution: a.Solution, Function: a.Function, Schema: a.Schema, Ordered: a.Ordered, Tests: a.Tests}
		if a.Grader == "javascript" {
			// A call without arguments ("args: []") is stored without them
			// (omitempty), and the grader requires them.
			t.Assignment.Tests = append([]AssignmentTest(nil), a.Tests...)
			for i := range t.Assignment.Tests {
				if t.Assignment.Tests[i].Args == nil {
					t.Assignment.Tests[i].Args = []any{}
				}
			}
		}
	}
	return t
}

// ExportBundle returns the bundle of the course (or, with curriculum, the
// curriculum) that ref names by id or slug, ready to be written, as p may
// export it (see ExportCourse, ExportCurriculum).
func (m *Module) ExportBundle(ctx context.Context, p *authz.Principal, ref string, curriculum bool) (BundleExport, error) {
	var b *Bundle
	var err error
	switch {
	case curriculum:
		b, err = m.svc.ExportCurriculum(ctx, p, ref)
	default:
		id, perr := strconv.ParseInt(ref, 10, 64)
		if perr != nil {
			id, err = m.svc.CourseIDBySlug(ctx, p, ref)
		}
		if err == nil {
			b, err = m.svc.ExportCourse(ctx, p, id)
		}
	}
	if err != nil {
		return nil, err
	}
	return m.bundles.Export(ctx, b, m.svc.bundleMedia.Get())
}
