package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/catalog/defaultcontent"
)

// fakeMedia is a media library in memory: a bundle's media files become
// its references, as an import makes them, and it gives them back to an
// export.
type fakeMedia struct {
	files    fs.FS
	videos   map[string]fakeVideo // by reference
	images   map[string]string    // file by reference
	byFile   map[string]string    // reference by file
	opened   int
	openFail error // set: opening a file fails so
}

type fakeVideo struct {
	file     string
	title    string
	captions map[string]string // file by language
}

func newFakeMedia(files fs.FS) *fakeMedia {
	return &fakeMedia{files: files, videos: map[string]fakeVideo{}, images: map[string]string{}, byFile: map[string]string{}}
}

func (f *fakeMedia) open(file string) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) {
		if f.openFail != nil {
			return nil, f.openFail
		}
		f.opened++
		return f.files.Open(file)
	}
}

// video registers a video file (with captions, "" for none) and returns
// its reference.
func (f *fakeMedia) video(file, captions string) string {
	if ref, ok := f.byFile[file]; ok {
		if captions != "" {
			f.videos[ref].captions[captionsLang(captions)] = captions
		}
		return ref
	}
	ref := fmt.Sprintf("media:video:%d", len(f.byFile)+1)
	v := fakeVideo{file: file, title: strings.TrimSuffix(path.Base(file), path.Ext(file)), captions: map[string]string{}}
	if captions != "" {
		v.captions[captionsLang(captions)] = captions
	}
	f.videos[ref], f.byFile[file] = v, ref
	return ref
}

func captionsLang(file string) string {
	base := strings.TrimSuffix(path.Base(file), ".vtt")
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		return base[i+1:]
	}
	return "ko"
}

func (f *fakeMedia) image(file string) string {
	if ref, ok := f.byFile[file]; ok {
		return ref
	}
	ref := fmt.Sprintf("media:image:%d", len(f.byFile)+1)
	f.images[ref], f.byFile[file] = file, ref
	return ref
}

func (f *fakeMedia) ExportVideo(_ context.Context, ref string) (catalog.BundleVideo, error) {
	v, ok := f.videos[ref]
	if !ok {
		return catalog.BundleVideo{}, catalog.ErrMediaMissing
	}
	out := catalog.BundleVideo{BundleFile: catalog.BundleFile{Name: v.title + path.Ext(v.file), Open: f.open(v.file)}}
	for lang, file := range v.captions {
		out.Captions = append(out.Captions, catalog.BundleCaption{Lang: lang, Open: f.open(file)})
	}
	return out, nil
}

func (f *fakeMedia) ExportImage(_ context.Context, ref string) (catalog.BundleFile, error) {
	file, ok := f.images[ref]
	if !ok {
		return catalog.BundleFile{}, catalog.ErrMediaMissing
	}
	return catalog.BundleFile{Name: "image" + path.Ext(file), Open: f.open(file)}, nil
}

func (f *fakeMedia) ImportVideo(context.Context, int64, fs.FS, string, string) (string, bool, error) {
	return "", false, errors.New("not an importer")
}

func (f *fakeMedia) ImportImage(context.Context, int64, fs.FS, string) (string, bool, error) {
	return "", false, errors.New("not an importer")
}

func (f *fakeMedia) Discard(context.Context, []string) {}

// asStored turns a loaded bundle into what the catalog stores after an
// import: its media files become references of media (captions go with
// their video).
func asStored(b *catalog.Bundle, media *fakeMedia) *catalog.Bundle {
	out := &catalog.Bundle{Curriculum: b.Curriculum}
	for _, c := range b.Courses {
		c = copyCourse(&c)
		if c.Thumbnail != "" {
			c.Thumbnail = media.image(c.Thumbnail)
		}
		if c.IntroVideo != "" {
			c.IntroVideo = media.video(c.IntroVideo, "")
		}
		for i := range c.Lectures {
			for j := range c.Lectures[i].Topics {
				t := &c.Lectures[i].Topics[j]
				if t.Video != "" {
					t.Video, t.Captions = media.video(t.Video, t.Captions), ""
				}
			}
		}
		out.Courses = append(out.Courses, c)
	}
	return out
}

// exportZip exports b and returns the archive.
func exportZip(t *testing.T, b *catalog.Bundle, media catalog.BundleMedia) ([]byte, *Export) {
	t.Helper()
	x, err := NewExport(context.Background(), b, media)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.WriteZip(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), x
}

// readBack loads an archive, which must have no problem.
func readBack(t *testing.T, data []byte) *catalog.Bundle {
	t.Helper()
	b, ps, err := ReadZip(bytes.NewReader(data), int64(len(data)), testKinds(t))
	return mustLoad(t, b, ps, err)
}

// withoutMedia is a course with its media fields emptied, to compare the
// rest.
func withoutMedia(c catalog.CourseInput) catalog.CourseInput {
	c = copyCourse(&c)
	c.Thumbnail, c.IntroVideo = "", ""
	for i := range c.Lectures {
		for j := range c.Lectures[i].Topics {
			c.Lectures[i].Topics[j].Video, c.Lectures[i].Topics[j].Captions = "", ""
		}
	}
	return c
}

func readAll(t *testing.T, fsys fs.FS, name string) []byte {
	t.Helper()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameMedia checks that each media field of got names a file of got's
// bundle with the bytes of the file want's names (captions: of the same
// language).
func sameMedia(t *testing.T, want, got *catalog.Bundle) {
	t.Helper()
	same := func(where, w, g string) {
		t.Helper()
		if (w == "") != (g == "") {
			t.Fatalf("%s: %q became %q", where, w, g)
		}
		if w != "" && !bytes.Equal(readAll(t, want.Files, w), readAll(t, got.Files, g)) {
			t.Fatalf("%s: %s and %s differ", where, w, g)
		}
	}
	for ci, c := range want.Courses {
		gc := got.Courses[ci]
		same(c.Slug+" thumbnail", c.Thumbnail, gc.Thumbnail)
		same(c.Slug+" intro", c.IntroVideo, gc.IntroVideo)
		for li, l := range c.Lectures {
			for ti, tp := range l.Topics {
				gt := gc.Lectures[li].Topics[ti]
				where := c.Slug + "/" + l.Slug + "/" + tp.Slug
				same(where+" video", tp.Video, gt.Video)
				same(where+" captions", tp.Captions, gt.Captions)
				if tp.Captions != "" && captionsLang(tp.Captions) != captionsLang(gt.Captions) {
					t.Fatalf("%s: captions %s became %s", where, tp.Captions, gt.Captions)
				}
			}
		}
	}
}

// roundTrip exports the loaded bundle b, as stored after an import, and
// reads the archive back: the same curriculum and courses, field by field,
// and the same media files.
func roundTrip(t *testing.T, b *catalog.Bundle) *catalog.Bundle {
	t.Helper()
	media := newFakeMedia(b.Files)
	data, x := exportZip(t, asStored(b, media), media)
	if len(x.Problems()) > 0 && b.Curriculum == nil {
		for _, c := range b.Courses {
			if len(c.Prerequisites) == 0 {
				t.Fatalf("problems: %v", x.Problems())
			}
		}
	}
	got := readBack(t, data)
	if !reflect.DeepEqual(got.Curriculum, b.Curriculum) {
		t.Fatalf("curriculum\n got %+v\nwant %+v", got.Curriculum, b.Curriculum)
	}
	if len(got.Courses) != len(b.Courses) {
		t.Fatalf("%d courses, want %d", len(got.Courses), len(b.Courses))
	}
	for i := range b.Courses {
		if w, g := withoutMedia(b.Courses[i]), withoutMedia(got.Courses[i]); !reflect.DeepEqual(g, w) {
			t.Fatalf("course %s differs:\n got %#v\nwant %#v", w.Slug, g, w)
		}
	}
	sameMedia(t, b, got)
	return got
}

// The sample course and the default nano-degree (seven courses sharing
// videos, with captions, pictures, every kind and grader) survive export
// and import unchanged.
func TestExportRoundTrip(t *testing.T) {
	t.Run("course", func(t *testing.T) {
		roundTrip(t, loadOK(t)(Load(os.DirFS(subjects(t)), "sample-course", testKinds(t))))
	})
	t.Run("curriculum", func(t *testing.T) {
		b := loadOK(t)(Load(defaultcontent.FS(), defaultcontent.Root, testKinds(t)))
		roundTrip(t, b)
	})
}

// Texts that YAML could read back differently — line breaks of every
// kind, leading and trailing spaces, words YAML 1.1 reads as booleans,
// numbers as text, long lines — come back exactly; long ones as Markdown
// files beside the YAML.
func TestExportTexts(t *testing.T) {
	b := loadOK(t)(Load(os.DirFS(subjects(t)), "sample-course", testKinds(t)))
	c := &b.Courses[0]
	tricky := []string{"yes", "no", "on", "null", "~", "3", "0x1F", "1e3", "- a", "a: b", "#x", "'q'", "\"d\"", "@x", "`x`",
		"  lead", "trail  ", "a\r\nb", "a\rb", "x\u2028y", "tab\there", "\ttab first", "line\n", "line\n\n\n", "\n\nlead",
		"  indented\n  block", "한국어 텍스트", strings.Repeat("긴 줄 ", 100), "a\u0085b", "\u00a0nbsp", "ends with space \n next"}
	c.Description = "# 제목\r\n\r\n본문   \n\n  들여쓰기\n"
	asg := c.Lectures[0].Topics[3].Assignment
	for i, s := range tricky {
		asg.Tests = append(asg.Tests, catalog.AssignmentTest{Name: fmt.Sprintf("t%d", i), Hidden: true, Args: []any{s, int64(i)}, Expect: s})
	}
	asg.StarterCode = strings.Join(tricky, "|")
	asg.Solution = "function sum(a, b) {\r\n\treturn a + b;\r\n}\r\n"
	for i, s := range tricky {
		c.Lectures[0].Topics = append(c.Lectures[0].Topics, catalog.TopicInput{Slug: fmt.Sprintf("text-%d", i),
			Title: "글 " + fmt.Sprint(i), Kind: "article", Mission: "none", Body: "본문" + s})
	}
	c.Lectures[0].Topics[2].Questions[0].Explanation = tricky[17]
	got := roundTrip(t, b)
	if got.Courses[0].Description != c.Description {
		t.Fatalf("description %q", got.Courses[0].Description)
	}
}

// A video whose original is not stored, captions in a second language and
// a prerequisite outside the bundle are left out (or flagged) and said: in
// the export's problems and in its EXPORT-PROBLEMS.txt; the bundle still
// loads.
func TestExportProblems(t *testing.T) {
	b := loadOK(t)(Load(os.DirFS(subjects(t)), "sample-course", testKinds(t)))
	media := newFakeMedia(b.Files)
	stored := asStored(b, media)
	ref := stored.Courses[0].Lectures[0].Topics[0].Video
	v := media.videos[ref]
	v.captions["en"] = "sample-course/captions/welcome.ko.vtt"
	stored.Courses[0].Prerequisites = []string{"html-basics"}
	// A second video topic plays a video that is gone.
	stored.Courses[0].Lectures[0].Topics = append(stored.Courses[0].Lectures[0].Topics,
		catalog.TopicInput{Slug: "gone", Title: "사라진 영상", Kind: "video", Mission: "none", Video: "media:video:99"},
		catalog.TopicInput{Slug: "path", Title: "경로 영상", Kind: "video", Mission: "none", Video: "sample-course/media/x.mp4"})
	data, x := exportZip(t, stored, media)
	var msgs []string
	for _, p := range x.Problems() {
		msgs = append(msgs, p.File+": "+p.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`sample-course/course.yaml: prerequisites[0]: "html-basics" is not part of this bundle`,
		"sample-course/course.yaml: lectures[0].topics[0].video: the en captions of " + ref + " left out",
		"sample-course/course.yaml: lectures[0].topics[4].video: media:video:99 left out: its original file is not stored",
		`sample-course/course.yaml: lectures[0].topics[5].video: "sample-course/media/x.mp4" left out`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	notes := string(readAll(t, zr, "sample-course/"+ProblemsFile))
	if !strings.Contains(notes, "media:video:99 left out") || !strings.Contains(notes, "removes them from their topics") {
		t.Fatalf("%s:\n%s", ProblemsFile, notes)
	}
	// The prerequisite stays (it names a course on the server); the rest
	// loads.
	b2, ps, err := ReadZip(bytes.NewReader(data), int64(len(data)), testKinds(t))
	got := mustLoad(t, b2, ps, err).Courses[0]
	if gone := got.Lectures[0].Topics[4]; gone.Video != "" || got.Prerequisites[0] != "html-basics" {
		t.Fatalf("gone video %q, prerequisites %v", gone.Video, got.Prerequisites)
	}
	if ko := got.Lectures[0].Topics[0].Captions; ko != "sample-course/captions/welcome.ko.vtt" {
		t.Fatalf("captions %q", ko)
	}
}

// In a curriculum, a prerequisite that comes later in the course order (or
// is not one of its courses) cannot be written: it is left out, and said.
func TestExportCurriculumPrerequisites(t *testing.T) {
	b := loadOK(t)(Load(defaultcontent.FS(), defaultcontent.Root, testKinds(t)))
	media := newFakeMedia(b.Files)
	stored := asStored(b, media)
	first := &stored.Courses[0]
	first.Prerequisites = []string{stored.Courses[1].Slug, "elsewhere"}
	data, x := exportZip(t, stored, media)
	if len(x.Problems()) != 2 {
		t.Fatalf("problems %v", x.Problems())
	}
	if got := readBack(t, data).Courses[0].Prerequisites; len(got) != 0 {
		t.Fatalf("prerequisites %v", got)
	}
}

// Media are read only while the archive is written, each once however
// many topics play it; a media file that cannot be read then fails the
// write.
func TestExportStreamsMedia(t *testing.T) {
	b := loadOK(t)(Load(defaultcontent.FS(), defaultcontent.Root, testKinds(t)))
	media := newFakeMedia(b.Files)
	x, err := NewExport(context.Background(), asStored(b, media), media)
	if err != nil {
		t.Fatal(err)
	}
	if media.opened != 0 {
		t.Fatalf("%d media files opened before writing", media.opened)
	}
	files := 0
	for _, e := range x.entries {
		if e.open != nil {
			files++
		}
	}
	if err := x.WriteZip(context.Background(), io.Discard); err != nil || media.opened != files || files == 0 {
		t.Fatalf("write: %v; %d opened for %d files", err, media.opened, files)
	}
	if files >= len(media.byFile)+8 {
		t.Fatalf("%d media files for %d distinct media", files, len(media.byFile))
	}
	media.openFail = errors.New("storage down")
	if err := x.WriteZip(context.Background(), io.Discard); err == nil || !strings.Contains(err.Error(), "storage down") {
		t.Fatalf("a failing media file: %v", err)
	}
}

// FuzzExportText puts arbitrary text in every kind of text field a course
// has — inline or long enough for a Markdown file, in a list, as a JSON
// value — and checks that what an export writes reads back exactly.
func FuzzExportText(f *testing.F) {
	for _, s := range []string{"x", "\ta\nb", "\n\nlead", "a\r\nb", "- |\n  x", "\u2028", "yes", "3", "#", "' \"", "\uFEFFbom",
		strings.Repeat("가", 130), "a\n\t\tb\n", " \n x"} {
		f.Add(s)
	}
	kinds := testKinds(f)
	base, ps, err := Load(os.DirFS(subjects(f)), "sample-course", kinds)
	if err != nil || len(ps) > 0 {
		f.Fatal(err, ps)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := &catalog.Bundle{Files: base.Files, Courses: []catalog.CourseInput{copyCourse(&base.Courses[0])}}
		c := &b.Courses[0]
		c.Description, c.Tags = s, []string{s}
		topics := c.Lectures[0].Topics
		topics[0].Notes, topics[1].Body = s, "본문"+s
		topics[2].Questions = append([]catalog.QuestionInput(nil), topics[2].Questions...)
		topics[2].Questions[0].Explanation = s
		a := *topics[3].Assignment
		a.StarterCode, a.Solution = "x"+s, s
		a.Tests = append(append([]catalog.AssignmentTest(nil), a.Tests...),
			catalog.AssignmentTest{Name: "fuzz", Hidden: true, Args: []any{s, []any{s}, map[string]any{"k": s}}, Expect: s})
		topics[3].Assignment = &a
		if len(catalog.ValidateCourse(c, kinds)) > 0 {
			return // text no course may hold (NUL, too long…)
		}
		roundTrip(t, b)
	})
}
