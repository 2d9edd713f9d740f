package bundle

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/weaverse/weaverse/modules/catalog"
)

// Writing bundles: an export turns a course (or a curriculum and its
// courses) as the catalog stores it into the files Load reads back — the
// same course: its outline, kinds, answer keys and media. The YAML is
// generated from the catalog's input types through fieldsOf, the table the
// loader decodes with, so a field the loader accepts is one the writer
// writes. Long texts become Markdown files beside the YAML (as an author
// would write them); media references ("media:video:7") become the media
// files, read from the media module only while the archive is written.
//
// The layout of an export of course "html-css":
//
//	html-css/course.yaml
//	html-css/description.md
//	html-css/articles/<lecture>/<topic>.md   article bodies
//	html-css/notes/<lecture>/<topic>.md      video notes
//	html-css/prompts/<lecture>/<topic>.md    assignment prompts
//	html-css/media/…                         videos and the course's picture
//	html-css/captions/<video>.<lang>.vtt     a video's captions
//
// and of curriculum "web-nd": web-nd/curriculum.yaml, web-nd/description.md
// and one such folder per course (web-nd/html-css/…); a video several
// courses play is stored once, in the first course's folder.
//
// What a bundle cannot carry is left out and said: each left-out item is a
// Problem of the export, listed in ProblemsFile at the bundle's root.

// ProblemsFile is, at an export's root, the list of what it left out. The
// loader ignores it.
const ProblemsFile = "EXPORT-PROBLEMS.txt"

// textDirs are the folders of the Markdown files of nested texts, by field.
var textDirs = map[string]string{"body": "articles", "notes": "notes", "prompt": "prompts"}

// inlineText is the longest text written inline in the YAML; longer texts,
// and any text of several lines, go to a Markdown file.
const inlineText = 120

// Export is a bundle ready to be written as a zip archive.
type Export struct {
	root     string // the bundle folder: the curriculum's or the course's slug
	entries  []entry
	names    map[string]bool // every path written, to keep media names apart
	problems []Problem
	media    catalog.BundleMedia
	videos   map[string]exportedVideo // by reference
	images   map[string]string        // path by reference
	modified time.Time
}

// entry is one file of the archive: a text, or a media file read when it
// is written.
type entry struct {
	name string
	text string
	open func(ctx context.Context) (io.ReadCloser, error)
}

// exportedVideo is where a video went: its file and its captions' (""
// when it has none), relative to the bundle root; ok is false when it was
// left out.
type exportedVideo struct {
	file, captions string
	ok             bool
}

// NewExport prepares b (see catalog.BundleFiles.Export): its media
// references are resolved through media, files named and the YAML and
// Markdown files made. Nothing of the media is read until WriteZip. b is not
// changed.
func NewExport(ctx context.Context, b *catalog.Bundle, media catalog.BundleMedia) (*Export, error) {
	x := &Export{names: map[string]bool{}, media: media, videos: map[string]exportedVideo{},
		images: map[string]string{}, modified: time.Now()}
	switch {
	case b.Curriculum != nil:
		x.root = b.Curriculum.Slug
		cur := *b.Curriculum
		position := map[string]int{}
		for i, s := range cur.Courses {
			position[s] = i
		}
		for i := range b.Courses {
			c := copyCourse(&b.Courses[i])
			x.curriculumPrerequisites(&c, position)
			if err := x.course(ctx, &c, c.Slug+"/"); err != nil {
				return nil, err
			}
		}
		x.yaml(CurriculumFile, "", &cur)
	case len(b.Courses) == 1:
		x.root = b.Courses[0].Slug
		c := copyCourse(&b.Courses[0])
		for i, p := range c.Prerequisites {
			x.problem(CourseFile, "prerequisites[%d]: %q is not part of this bundle: the server importing it must have that course", i, p)
		}
		if err := x.course(ctx, &c, ""); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("bundle: an export holds a curriculum or one course")
	}
	// Texts first, then the media files: a download cut short has every
	// text there was.
	slices.SortStableFunc(x.entries, func(a, b entry) int {
		switch {
		case a.open == nil && b.open != nil:
			return -1
		case a.open != nil && b.open == nil:
			return 1
		}
		return 0
	})
	if len(x.problems) > 0 {
		var sb strings.Builder
		sb.WriteString("This bundle was exported without what is listed below: the server it came from could not\n" +
			"give those files. Importing it over the course it came from removes them from their topics.\n\n")
		for _, p := range x.problems {
			sb.WriteString(p.String())
			sb.WriteByte('\n')
		}
		x.entries = append([]entry{{name: x.root + "/" + ProblemsFile, text: sb.String()}}, x.entries...)
	}
	return x, nil
}

// Name is the archive's file name.
func (x *Export) Name() string { return x.root + ".zip" }

// Problems are what the export left out.
func (x *Export) Problems() []catalog.BundleProblem { return catalogProblems(x.problems) }

// WriteZip writes the archive to w, streaming each media file from the
// media module: memory stays bounded whatever the files' size. Media files
// are stored as they are (they are compressed already), texts deflated.
func (x *Export) WriteZip(ctx context.Context, w io.Writer) error {
	zw := zip.NewWriter(w)
	for _, e := range x.entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: x.modified}
		if e.open != nil {
			h.Method = zip.Store
		}
		h.SetMode(0o644)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if e.open == nil {
			if _, err := io.WriteString(fw, e.text); err != nil {
				return err
			}
			continue
		}
		if err := copyMedia(ctx, fw, e); err != nil {
			return fmt.Errorf("bundle: %s: %w", e.name, err)
		}
	}
	return zw.Close()
}

func copyMedia(ctx context.Context, w io.Writer, e entry) error {
	r, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// problem records something left out of the file rel (relative to the
// bundle root).
func (x *Export) problem(rel, format string, args ...any) {
	x.problems = append(x.problems, Problem{File: path.Join(x.root, rel), Message: fmt.Sprintf(format, args...)})
}

// copyCourse copies a course deep enough to change its media fields.
func copyCourse(c *catalog.CourseInput) catalog.CourseInput {
	out := *c
	out.Prerequisites = append([]string(nil), c.Prerequisites...)
	out.Lectures = make([]catalog.LectureInput, len(c.Lectures))
	for i, l := range c.Lectures {
		l.Topics = append([]catalog.TopicInput(nil), l.Topics...)
		out.Lectures[i] = l
	}
	return out
}

// curriculumPrerequisites keeps the prerequisites a curriculum bundle can
// hold: courses of the curriculum that come earlier in its order. Others
// are left out, and said.
func (x *Export) curriculumPrerequisites(c *catalog.CourseInput, position map[string]int) {
	kept := c.Prerequisites[:0]
	own, listed := position[c.Slug]
	for i, p := range c.Prerequisites {
		if at, ok := position[p]; ok && listed && at < own {
			kept = append(kept, p)
			continue
		}
		x.problem(c.Slug+"/"+CourseFile, "prerequisites[%d]: %q left out: a curriculum's course may only require a course that comes earlier in the curriculum", i, p)
	}
	c.Prerequisites = kept
}

// course adds a course's files; dir is its folder in the bundle ("" for a
// stand-alone course, "<slug>/" in a curriculum).
func (x *Export) course(ctx context.Context, c *catalog.CourseInput, dir string) error {
	file := dir + CourseFile
	var err error
	if c.Thumbnail, err = x.image(ctx, file, "thumbnail", c.Thumbnail, dir); err != nil {
		return err
	}
	none := ""
	if c.IntroVideo, err = x.video(ctx, file, "intro_video", c.IntroVideo, &none, dir); err != nil {
		return err
	}
	for i := range c.Lectures {
		for j := range c.Lectures[i].Topics {
			t := &c.Lectures[i].Topics[j]
			if t.Video == "" && t.Captions == "" {
				continue
			}
			loc := fmt.Sprintf("lectures[%d].topics[%d].video", i, j)
			if t.Video, err = x.video(ctx, file, loc, t.Video, &t.Captions, dir); err != nil {
				return err
			}
		}
	}
	x.yaml(file, dir, c)
	return nil
}

// isRef reports whether s names media of this server ("media:video:7").
func isRef(s, kind string) bool { return strings.HasPrefix(s, "media:"+kind+":") }

// image exports a course's picture and returns its path relative to dir,
// or "" when it is left out.
func (x *Export) image(ctx context.Context, file, loc, ref, dir string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if !isRef(ref, "image") {
		x.problem(file, "%s: %q left out: it is not an image of the server's media library", loc, ref)
		return "", nil
	}
	if p, ok := x.images[ref]; ok {
		return relTo(dir, p), nil
	}
	f, err := x.media.ExportImage(ctx, ref)
	if errors.Is(err, catalog.ErrMediaMissing) {
		x.problem(file, "%s: %s left out: its file is not stored", loc, ref)
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bundle: %s: %w", ref, err)
	}
	p := x.add(dir+"media/", "thumbnail"+path.Ext(f.Name), "image", f.Open)
	x.images[ref] = p
	return relTo(dir, p), nil
}

// video exports a video (with its captions, when captions is not nil and
// the video has some) and returns its path relative to dir, or "" when it
// is left out; *captions is set to the captions' path. A path that is not
// a reference (a bundle's file an earlier import could not turn into a
// video) cannot be exported: its file is not on the server.
func (x *Export) video(ctx context.Context, file, loc, ref string, captions *string, dir string) (string, error) {
	given := *captions
	*captions = ""
	if ref == "" {
		if given != "" {
			x.problem(file, "%s: captions %q left out: the topic has no video", loc, given)
		}
		return "", nil
	}
	if !isRef(ref, "video") {
		x.problem(file, "%s: %q left out: it is not a video of the server's media library (an import without ffmpeg keeps the bundle's paths)", loc, ref)
		return "", nil
	}
	v, seen := x.videos[ref]
	if !seen {
		var err error
		if v, err = x.exportVideo(ctx, file, loc, ref, dir); err != nil {
			return "", err
		}
		x.videos[ref] = v
	}
	if !v.ok {
		if seen {
			x.problem(file, "%s: %s left out: its original file is not stored", loc, ref)
		}
		return "", nil
	}
	if v.captions != "" {
		*captions = relTo(dir, v.captions)
	}
	return relTo(dir, v.file), nil
}

func (x *Export) exportVideo(ctx context.Context, file, loc, ref, dir string) (exportedVideo, error) {
	v, err := x.media.ExportVideo(ctx, ref)
	if errors.Is(err, catalog.ErrMediaMissing) {
		x.problem(file, "%s: %s left out: its original file is not stored (only the renditions made for playback remain)", loc, ref)
		return exportedVideo{}, nil
	}
	if err != nil {
		return exportedVideo{}, fmt.Errorf("bundle: %s: %w", ref, err)
	}
	out := exportedVideo{ok: true}
	out.file = x.add(dir+"media/", v.Name, "video", v.Open)
	// The format carries one captions file per video: Korean first, else
	// the first track.
	pick := -1
	for i, c := range v.Captions {
		if pick < 0 || c.Lang == "ko" {
			pick = i
		}
	}
	for i, c := range v.Captions {
		if i != pick {
			x.problem(file, "%s: the %s captions of %s left out: a bundle carries one captions file per video", loc, c.Lang, ref)
		}
	}
	if pick >= 0 {
		c := v.Captions[pick]
		base := strings.TrimSuffix(path.Base(out.file), path.Ext(out.file))
		out.captions = x.add(dir+"captions/", base+"."+c.Lang+".vtt", "captions", c.Open)
	}
	return out, nil
}

// add names a media file in folder (relative to the bundle root), unique
// in the bundle, and queues it; it returns the path.
func (x *Export) add(folder, name, fallback string, open func(context.Context) (io.ReadCloser, error)) string {
	ext := path.Ext(name)
	if !extRE.MatchString(ext) {
		ext = ""
	}
	base := cleanName(strings.TrimSuffix(name, path.Ext(name)), fallback)
	p := folder + base + ext
	for n := 2; x.names[p]; n++ {
		p = fmt.Sprintf("%s%s-%d%s", folder, base, n, ext)
	}
	x.names[p] = true
	x.entries = append(x.entries, entry{name: x.root + "/" + p, open: open})
	return p
}

// cleanName makes a file name of a title: no path separators, control
// characters or characters Windows refuses, at most 80 characters, never
// hidden; fallback when nothing is left.
func cleanName(s, fallback string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), strings.ContainsRune(`/\:*?"<>|`, r), r == utf8.RuneError:
			return '-'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), ".-")
	if r := []rune(s); len(r) > 80 {
		s = strings.TrimSpace(string(r[:80]))
	}
	if s == "" {
		return fallback
	}
	return s
}

var extRE = regexp.MustCompile(`^\.[A-Za-z0-9]{1,10}$`)

// relTo turns a root-relative path into one relative to dir ("" or
// "<slug>/", one level down at most).
func relTo(dir, p string) string {
	if dir == "" {
		return p
	}
	if rest, ok := strings.CutPrefix(p, dir); ok {
		return rest
	}
	return "../" + p
}

// yaml adds a YAML file (rel, relative to the bundle root, in folder dir)
// made from v, a catalog input, and the Markdown files of its long texts.
func (x *Export) yaml(rel, dir string, v any) {
	e := &encoder{x: x, dir: dir}
	doc := e.structNode(reflect.ValueOf(v).Elem())
	doc.Content = append([]*yaml.Node{scalar("schema"), {Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(FormatVersion)}},
		doc.Content...)
	doc.HeadComment = "Exported by Weaverse. Import it with `weaverse content import DIR` or the studio's import page;\n" +
		"the format is described by /api/catalog/course-bundle.schema.json."
	x.entries = append(x.entries, entry{name: x.root + "/" + rel, text: emitChecked(doc)})
}

// emitChecked writes a YAML document and reads it back: a text the
// emitter wrote in a style that does not read back as the same text (its
// literal blocks go wrong on some leading tabs and blank lines) is written
// again double-quoted, where every character is escaped as needed.
func emitChecked(doc *yaml.Node) string {
	for attempt := 0; ; attempt++ {
		out := emit(doc)
		bad := misread(doc, out)
		if len(bad) == 0 || attempt == 2 {
			return out
		}
		for _, n := range bad {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
}

func emit(doc *yaml.Node) string {
	var sb strings.Builder
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	// The nodes are built of texts, numbers and booleans only: encoding
	// them cannot fail.
	_ = enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}})
	_ = enc.Close()
	return sb.String()
}

// misread returns the texts of doc that out, its YAML, does not read back
// as they are: all its block texts when out does not parse.
func misread(doc *yaml.Node, out string) []*yaml.Node {
	var back yaml.Node
	var bad []*yaml.Node
	if err := yaml.Unmarshal([]byte(out), &back); err != nil || len(back.Content) != 1 || !pairUp(doc, back.Content[0], &bad) {
		bad = bad[:0]
		walk(doc, func(n *yaml.Node) {
			if n.Kind == yaml.ScalarNode && n.Style != yaml.DoubleQuotedStyle && strings.ContainsAny(n.Value, "\n\t") {
				bad = append(bad, n)
			}
		})
	}
	return bad
}

// pairUp compares a written tree with the one read back, collecting the
// texts read back otherwise; false when the trees' shapes differ.
func pairUp(w, r *yaml.Node, bad *[]*yaml.Node) bool {
	if w.Kind != r.Kind || len(w.Content) != len(r.Content) {
		return false
	}
	if w.Kind == yaml.ScalarNode && w.ShortTag() == "!!str" && (r.Value != w.Value || r.ShortTag() != "!!str") {
		*bad = append(*bad, w)
	}
	for i := range w.Content {
		if !pairUp(w.Content[i], r.Content[i], bad) {
			return false
		}
	}
	return true
}

func walk(n *yaml.Node, fn func(*yaml.Node)) {
	fn(n)
	for _, c := range n.Content {
		walk(c, fn)
	}
}

// encoder writes a catalog input as YAML nodes.
type encoder struct {
	x     *Export
	dir   string   // the YAML file's folder, relative to the bundle root
	slugs []string // the slugs of the list items being written (lecture, topic)
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// structNode writes a struct's fields in the loader's order, leaving out
// zero values (which the loader reads back as zero).
func (e *encoder) structNode(v reflect.Value) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.kind == fileField || fv.IsZero() {
			continue
		}
		if fv.Kind() == reflect.String && contains(fileAlternatives[v.Type()], f.name) && longText(fv.String()) {
			n.Content = append(n.Content, scalar(f.key+fileSuffix), scalar(e.textFile(f.name, fv.String())))
			continue
		}
		n.Content = append(n.Content, scalar(f.key), e.value(fv))
	}
	return n
}

// longText reports whether a text reads better as a Markdown file. A text
// starting with a byte-order mark stays inline: the loader drops a file's.
func longText(s string) bool {
	return (strings.Contains(s, "\n") || utf8.RuneCountInString(s) > inlineText) && !strings.HasPrefix(s, "\uFEFF")
}

// textFile adds a Markdown file holding s, for the text field name of the
// struct being written, and returns its path relative to the YAML file.
func (e *encoder) textFile(name, s string) string {
	rel := name + ".md" // a course's or curriculum's description
	if len(e.slugs) > 0 {
		dir, ok := textDirs[name]
		if !ok {
			dir = name
		}
		rel = dir + "/" + strings.Join(e.slugs, "/") + ".md"
	}
	e.x.entries = append(e.x.entries, entry{name: e.x.root + "/" + e.dir + rel, text: s})
	return rel
}

// value writes one field's value.
func (e *encoder) value(v reflect.Value) *yaml.Node {
	switch {
	case v.Type() == rawMessageType:
		var x any
		if json.Unmarshal(v.Bytes(), &x) != nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return e.any(x)
	case v.Kind() == reflect.Pointer:
		return e.value(v.Elem())
	case v.Kind() == reflect.Struct:
		return e.structNode(v)
	case v.Kind() == reflect.String:
		return textNode(v.String())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range v.Len() {
			item := v.Index(i)
			slug := item.FieldByName("Slug")
			named := slug.IsValid() && slug.Kind() == reflect.String && slug.String() != ""
			if named {
				e.slugs = append(e.slugs, slug.String())
			}
			n.Content = append(n.Content, e.structNode(item))
			if named {
				e.slugs = e.slugs[:len(e.slugs)-1]
			}
		}
		return n
	}
	return e.any(v.Interface())
}

// any writes a plain value: texts, numbers, booleans, lists and maps (of
// Go types, or JSON values as encoding/json decodes them).
func (e *encoder) any(x any) *yaml.Node {
	v := reflect.ValueOf(x)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Invalid:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case reflect.String:
		return textNode(v.String())
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}
	case reflect.Float32, reflect.Float64:
		return floatNode(v.Float())
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i := range v.Len() {
			item := e.value(v.Index(i))
			if item.Kind != yaml.ScalarNode || strings.Contains(item.Value, "\n") {
				n.Style = 0 // nested lists, maps and block texts read better as blocks
			}
			n.Content = append(n.Content, item)
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			n.Content = append(n.Content, textNode(fmt.Sprint(k)), e.value(v.MapIndex(k)))
		}
		return n
	case reflect.Struct:
		return e.structNode(v)
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// floatNode writes a JSON number: a whole number as an integer (as JSON
// has it), others in the shortest form that reads back the same.
func floatNode(f float64) *yaml.Node {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(int64(f), 10)}
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}
}

// textNode is a text, in the style that reads back as the same text.
func textNode(s string) *yaml.Node {
	n := scalar(s)
	restyle(n)
	return n
}

// restyle gives every text of n a style that reads back unchanged: texts
// of several lines as literal blocks (|), and texts with line breaks a
// YAML parser would normalise (CR, NEL, LS, PS) or other control
// characters double-quoted, with escapes.
func restyle(n *yaml.Node) {
	for _, c := range n.Content {
		restyle(c)
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return
	}
	switch {
	case strings.IndexFunc(n.Value, func(r rune) bool {
		return r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || (unicode.IsControl(r) && r != '\n' && r != '\t')
	}) >= 0:
		n.Style = yaml.DoubleQuotedStyle
	case strings.Contains(n.Value, "\n"):
		n.Style = yaml.LiteralStyle
	}
}
