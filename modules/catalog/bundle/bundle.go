// Package bundle reads course bundles: folders of YAML and Markdown that
// describe a curriculum and its courses, or one stand-alone course (see
// testdata/subjects/README.md for the format).
//
// Load reads a bundle from any fs.FS (a directory through os.DirFS or
// os.Root.FS, or the binary's embedded default content), resolves the
// Markdown files it names, checks the media files it references, and runs
// the catalog's own validation (catalog.ValidateCurriculum and
// catalog.ValidateCourse), so `weaverse content validate` and the API
// accept exactly the same courses. Every problem names the file, line and
// column it comes from.
//
// Rules beyond the catalog's validation, checked here because only a
// bundle has them:
//   - schema: 1 is required at the top of curriculum.yaml and course.yaml;
//     unknown keys are errors (a misspelt optional key would otherwise be
//     silently ignored);
//   - a text field is given inline or as a "<field>_file", not both;
//   - paths are relative to the YAML file that names them, use "/", and may
//     not leave the bundle root (no absolute paths, no ".." above the root);
//     named files must exist;
//   - every course in a curriculum's courses list is a folder beside
//     curriculum.yaml holding a course.yaml whose slug is the folder's name,
//     and every such folder is listed;
//   - in a curriculum, prerequisites name courses of the same curriculum
//     that come earlier in its course order (which also rules out cycles).
//     A stand-alone course's prerequisites are not checked: they name
//     courses elsewhere on the site, which only the importer can see.
//
// LoadDir is Load for a folder on disk, confined with os.OpenRoot. Schema
// returns the JSON Schema of the YAML files, generated from the same Go
// types and tables the loader decodes with.
package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
)

// File names of a bundle.
const (
	CurriculumFile = "curriculum.yaml"
	CourseFile     = "course.yaml"
)

// FormatVersion is the bundle format this package reads (the "schema" key).
const FormatVersion = 1

// maxTextBytes bounds a Markdown file; the catalog's longest text field
// holds 100,000 characters.
const maxTextBytes = 1 << 20

// Problem is one thing wrong with a bundle, located in a file. File is
// relative to the bundle root's parent ("web-nanodegree/html-css/course.yaml");
// Line and Column are 1-based, 0 when unknown.
type Problem struct {
	File         string
	Line, Column int
	Message      string
}

// String formats a problem the way compilers do, so editors can jump to it:
// "web-nanodegree/html-css/course.yaml:42:7: message".
func (p Problem) String() string {
	switch {
	case p.Line <= 0:
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	case p.Column <= 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	default:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	}
}

// Load reads the bundle at root (a path in fsys; "." for fsys itself): a
// curriculum folder (curriculum.yaml and one folder per course) or a
// stand-alone course folder (course.yaml). Topics are checked against kinds,
// the registry the catalog that imports the bundle has.
//
// File names in problems, and the media references in the returned bundle
// (video, captions, thumbnail, intro_video), are relative to root's parent:
// "web-nanodegree/shared-media/clip-01.mp4" for root "…/web-nanodegree". With
// root "." they are relative to the root itself.
//
// The bundle is returned normalised (defaults filled in) and only when there
// are no problems; problems are sorted by file (in reading order), line and
// column. err reports what is not the content's fault: root missing or not
// a bundle, or a file that cannot be read.
func Load(fsys fs.FS, root string, kinds *catalog.Kinds) (*catalog.Bundle, []Problem, error) {
	if !fs.ValidPath(root) {
		return nil, nil, fmt.Errorf("bundle: invalid root %q", root)
	}
	info, err := fs.Stat(fsys, root)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("bundle: %s is not a folder", root)
	}
	l := &loader{fsys: fsys, root: root, kinds: kinds, order: map[string]int{}}
	if root != "." {
		l.name = path.Base(root)
	}
	hasCurriculum, err := l.isFile(CurriculumFile)
	if err != nil {
		return nil, nil, err
	}
	hasCourse, err := l.isFile(CourseFile)
	if err != nil {
		return nil, nil, err
	}
	var b *catalog.Bundle
	switch {
	case hasCurriculum:
		if hasCourse {
			l.add(Problem{File: l.display(CourseFile), Message: "a bundle folder holds curriculum.yaml or course.yaml, not both " +
				"(a curriculum's courses live in sub-folders)"})
		}
		b, err = l.curriculum()
	case hasCourse:
		b, err = l.standalone()
	default:
		return nil, nil, fmt.Errorf("bundle: %s is not a course bundle: it holds neither %s nor %s", root, CurriculumFile, CourseFile)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			a, b := l.problems[i], l.problems[j]
			if a.File != b.File {
				return l.order[a.File] < l.order[b.File]
			}
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		if l.dropped > 0 {
			file := l.display("")
			if file == "" {
				file = "."
			}
			l.problems = append(l.problems, Problem{File: file, Message: fmt.Sprintf("%d more problems not shown", l.dropped)})
		}
		return nil, l.problems, nil
	}
	// Media references are relative to root's parent (see above).
	if root == "." {
		b.Files = fsys
	} else if b.Files, err = fs.Sub(fsys, path.Dir(root)); err != nil {
		return nil, nil, err
	}
	return b, nil, nil
}

// loader holds the state of one Load.
type loader struct {
	fsys     fs.FS
	root     string // the bundle root in fsys
	name     string // the root's base name, prefixed to the paths problems show ("" for root ".")
	kinds    *catalog.Kinds
	problems []Problem
	order    map[string]int // file → reading order, to sort problems
	nodes    int            // YAML nodes decoded so far (see maxNodes)
	dropped  int            // problems beyond maxProblems
}

// maxProblems bounds the problems reported: past a few hundred, more lines
// help nobody, and a generated file with a million bad values must not
// produce a million-line report.
const maxProblems = 500

func (l *loader) add(p Problem) {
	if len(l.problems) >= maxProblems {
		l.dropped++
		return
	}
	if _, ok := l.order[p.File]; !ok {
		l.order[p.File] = len(l.order)
	}
	l.problems = append(l.problems, p)
}

// display turns a root-relative path into the form problems and references
// use: relative to the root's parent.
func (l *loader) display(rel string) string { return path.Join(l.name, rel) }

// full turns a root-relative path into a path in fsys.
func (l *loader) full(rel string) string { return path.Join(l.root, rel) }

// stat returns what a root-relative path is, nil when it does not exist.
// Only a missing file is "nothing"; any other failure is an error.
func (l *loader) stat(rel string) (fs.FileInfo, error) {
	info, err := fs.Stat(l.fsys, l.full(rel))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return info, nil
}

// isFile reports whether a root-relative path is a regular file.
func (l *loader) isFile(rel string) (bool, error) {
	info, err := l.stat(rel)
	return info != nil && info.Mode().IsRegular(), err
}

// isDir reports whether a root-relative path is a folder.
func (l *loader) isDir(rel string) (bool, error) {
	info, err := l.stat(rel)
	return info != nil && info.IsDir(), err
}

// open reads a root-relative YAML file and parses it. It returns the file's
// decoder and its top node (nil when the file is not usable YAML; the
// problem is reported).
func (l *loader) open(rel string) (*fileDecoder, *yaml.Node, error) {
	d := newFileDecoder(l, rel)
	l.order[d.file] = len(l.order) // problems sort in reading order
	data, tooBig, err := l.read(rel, maxYAMLBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	if tooBig {
		d.problem(nil, "the file is larger than %d MiB", maxYAMLBytes>>20)
		return d, nil, nil
	}
	return d, d.parse(data), nil
}

// read reads at most limit bytes of a root-relative file.
func (l *loader) read(rel string, limit int64) (data []byte, tooBig bool, err error) {
	f, err := l.fsys.Open(l.full(rel))
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, err
	}
	return data, int64(len(data)) > limit, nil
}

// decodeTop decodes a file's top mapping into v, which also holds the
// format version.
func (l *loader) decodeTop(d *fileDecoder, n *yaml.Node, v any) {
	d.locs[""] = pos{line: n.Line, col: n.Column}
	version := false
	d.structValue(n, reflectValue(v), "", func(k, val *yaml.Node) bool {
		if k.Value != "schema" {
			return false
		}
		version = true
		if val.Kind != yaml.ScalarNode || val.ShortTag() != "!!int" || val.Value != fmt.Sprint(FormatVersion) {
			d.problem(val, "schema: unsupported bundle format %s (this version of Weaverse reads schema: %d)", describe(val), FormatVersion)
		}
		return true
	})
	if n.Kind == yaml.MappingNode && !version {
		d.problem(n, "schema: %d is required at the top of the file (the bundle format version)", FormatVersion)
	}
}

// standalone loads a bundle of one course.
func (l *loader) standalone() (*catalog.Bundle, error) {
	d, c, err := l.course(CourseFile)
	if err != nil || c == nil {
		return nil, err
	}
	l.validateCourse(d, c)
	return &catalog.Bundle{Courses: []catalog.CourseInput{*c}}, nil
}

// course decodes one course.yaml; the course is nil when the file is not
// usable YAML.
func (l *loader) course(rel string) (*fileDecoder, *catalog.CourseInput, error) {
	d, n, err := l.open(rel)
	if err != nil || n == nil {
		return d, nil, err
	}
	var c catalog.CourseInput
	l.decodeTop(d, n, &c)
	return d, &c, nil
}

func (l *loader) validateCourse(d *fileDecoder, c *catalog.CourseInput) {
	c.Normalize(l.kinds)
	d.report(catalog.ValidateCourse(c, l.kinds))
}

// curriculum loads a curriculum and the courses it lists.
func (l *loader) curriculum() (*catalog.Bundle, error) {
	d, n, err := l.open(CurriculumFile)
	if err != nil || n == nil {
		return nil, err
	}
	var cur catalog.CurriculumInput
	l.decodeTop(d, n, &cur)

	// position is each listed course's index in the roadmap.
	position := map[string]int{}
	type loaded struct {
		d *fileDecoder
		c *catalog.CourseInput
	}
	var courses []loaded
	for i, slug := range cur.Courses {
		if _, dup := position[slug]; dup || !catalog.ValidSlug(slug) {
			continue // ValidateCurriculum reports these; a bad slug is no folder name to open
		}
		position[slug] = i
		item := fmt.Sprintf("courses[%d]", i)
		dirOK, err := l.isDir(slug)
		if err != nil {
			return nil, err
		}
		if !dirOK {
			d.problemAt(d.locate(item), "%s: course folder %q not found next to %s", item, slug, CurriculumFile)
			continue
		}
		rel := slug + "/" + CourseFile
		fileOK, err := l.isFile(rel)
		if err != nil {
			return nil, err
		}
		if !fileOK {
			d.problemAt(d.locate(item), "%s: %s not found", item, l.display(rel))
			continue
		}
		cd, c, err := l.course(rel)
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue
		}
		if c.Slug != slug {
			cd.problemAt(cd.locate("slug"), "slug: %q must be the name of its folder, %q", c.Slug, slug)
			cd.bad["slug"] = true
		}
		courses = append(courses, loaded{cd, c})
	}

	// A course folder that is not listed would silently not be imported.
	entries, err := fs.ReadDir(l.fsys, l.root)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || contains(cur.Courses, e.Name()) {
			continue
		}
		if ok, err := l.isFile(e.Name() + "/" + CourseFile); err != nil {
			return nil, err
		} else if ok {
			d.problemAt(d.locate("courses"), "courses: folder %q holds a %s but is not listed", e.Name(), CourseFile)
		}
	}

	for _, lc := range courses {
		own := position[lc.c.Slug]
		for j, p := range lc.c.Prerequisites {
			item := fmt.Sprintf("prerequisites[%d]", j)
			at, listed := position[p]
			switch {
			case p == lc.c.Slug || !catalog.ValidSlug(p):
				// ValidateCourse reports these.
			case !listed:
				lc.d.problemAt(lc.d.locate(item), "%s: %q is not a course of this curriculum", item, p)
			case at > own:
				lc.d.problemAt(lc.d.locate(item), "%s: %q comes after this course in the curriculum's course order", item, p)
			}
		}
	}

	cur.Normalize()
	d.report(catalog.ValidateCurriculum(&cur))
	b := &catalog.Bundle{Curriculum: &cur}
	for _, lc := range courses {
		l.validateCourse(lc.d, lc.c)
		b.Courses = append(b.Courses, *lc.c)
	}
	return b, nil
}

// resolve turns a path written in a YAML file (relative to that file's
// folder, relDir) into a path relative to the bundle root, or explains why
// it cannot be used. Bundles are shared and imported by servers, so a path
// may not reach outside the bundle.
func resolve(relDir, p string) (string, string) {
	switch {
	case strings.Contains(p, "://"):
		return "", "must be a file of the bundle, not a URL"
	case strings.ContainsRune(p, '\\'):
		return "", `paths use "/", not "\"`
	case path.IsAbs(p) || (len(p) >= 2 && p[1] == ':'):
		return "", "absolute paths are not allowed: write the path relative to this file"
	case strings.ContainsRune(p, 0):
		return "", "invalid path"
	}
	rel := path.Join(relDir, p)
	switch {
	case rel == ".." || strings.HasPrefix(rel, "../"):
		return "", fmt.Sprintf("%q leaves the bundle", p)
	case rel == ".":
		return "", fmt.Sprintf("%q is a folder, not a file", p)
	case !fs.ValidPath(rel):
		return "", "invalid path"
	}
	return rel, ""
}

// reference checks a media reference and returns it relative to the
// bundle root's parent, the form the importer receives.
func (l *loader) reference(d *fileDecoder, k *yaml.Node, fp, label, p string) (string, bool) {
	rel, ok := l.namedFile(d, k, fp, label, p)
	if !ok {
		return "", false
	}
	return l.display(rel), true
}

// namedFile resolves a path a YAML file names and checks it is a file.
func (l *loader) namedFile(d *fileDecoder, k *yaml.Node, fp, label, p string) (string, bool) {
	rel, msg := resolve(d.relDir, p)
	if msg != "" {
		d.fieldProblem(k, fp, label, "%s", msg)
		return "", false
	}
	info, err := fs.Stat(l.fsys, l.full(rel))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.fieldProblem(k, fp, label, "file %s not found", l.display(rel))
		return "", false
	case err != nil:
		d.fieldProblem(k, fp, label, "cannot read %s: %v", l.display(rel), err)
		return "", false
	case !info.Mode().IsRegular():
		d.fieldProblem(k, fp, label, "%s is not a file", l.display(rel))
		return "", false
	}
	return rel, true
}

// readText reads a Markdown file named by a *_file key.
func (l *loader) readText(d *fileDecoder, k *yaml.Node, fp, label, p string) (string, bool) {
	rel, ok := l.namedFile(d, k, fp, label, p)
	if !ok {
		return "", false
	}
	data, tooBig, err := l.read(rel, maxTextBytes)
	switch {
	case err != nil:
		d.fieldProblem(k, fp, label, "cannot read %s: %v", l.display(rel), err)
		return "", false
	case tooBig:
		d.fieldProblem(k, fp, label, "%s is larger than %d MiB", l.display(rel), maxTextBytes>>20)
		return "", false
	case !utf8.Valid(data):
		d.fieldProblem(k, fp, label, "%s is not UTF-8 text", l.display(rel))
		return "", false
	}
	// Editors on some systems write a byte-order mark; it is not text.
	return string(bytes.TrimPrefix(data, []byte("\uFEFF"))), true
}

// report turns the catalog's validation errors into problems at the lines
// that produced them. An error about a field whose value was already
// reported as unreadable (a type mismatch, a missing file) is left out: it
// would only repeat the first problem in other words.
func (d *fileDecoder) report(errs []apperr.FieldError) {
	for _, fe := range errs {
		if d.isBad(fe.Location) {
			continue
		}
		p := d.locate(fe.Location)
		label := fe.Location
		if exact, ok := d.locs[fe.Location]; ok && exact.label != "" {
			label = exact.label
		}
		msg := Message(fe, d.l.kinds)
		if name := lastSegment(fe.Location); fe.Message == "catalog.required" && hasFileAlternative(name) {
			msg = fmt.Sprintf("required (give %s, or %s%s naming a Markdown file)", name, name, fileSuffix)
		}
		if label != "" {
			msg = label + ": " + msg
		}
		d.problemAt(p, "%s", msg)
	}
}

func (d *fileDecoder) isBad(loc string) bool {
	for p := loc; ; p = parentPath(p) {
		if d.bad[p] {
			return true
		}
		if p == "" {
			return false
		}
	}
}

func (d *fileDecoder) problemAt(p pos, format string, args ...any) {
	d.l.add(Problem{File: d.file, Line: p.line, Column: p.col, Message: fmt.Sprintf(format, args...)})
}

func reflectValue(ptr any) reflect.Value { return reflect.ValueOf(ptr).Elem() }

// lastSegment is a path's last field name: "lectures[0].topics[1].body" → "body".
func lastSegment(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func hasFileAlternative(name string) bool {
	for _, names := range fileAlternatives {
		if contains(names, name) {
			return true
		}
	}
	return false
}
