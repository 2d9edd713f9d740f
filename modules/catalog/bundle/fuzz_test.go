package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary text to Load as a course.yaml: whatever an
// author (or an upload) writes, Load reports problems and never panics or
// hangs, and a bundle comes back exactly when there is no problem.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{
		"sample-course/course.yaml",
		"invalid/bad-types/course.yaml",
		"invalid/bad-yaml/course.yaml",
		"invalid/broken-curriculum/quiz-problems/course.yaml",
		"invalid/broken-curriculum/assignment-problems/course.yaml",
	} {
		data, err := os.ReadFile(filepath.Join(subjects(f), name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "schema: 1", "- a", "a: &a [*a]", "schema: 1\nlectures: [{topics: [{assignment: {tests: [{expect: {1: 2}}]}}]}]",
		"schema: 1\nthumbnail: ../../x", "schema: 1\nlectures:\n  - topics:\n      - body_file: articles/a.md\n",
		"schema: !!binary aGk=", "<<: {a: 1}", "%YAML 1.2\n---\na: 1\n...\n---\nb: 2", "\"\\u0000\"", "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"c/course.yaml":      {Data: data},
			"c/articles/a.md":    {Data: []byte("# a")},
			"c/media/clip.mp4":   {Data: []byte("x")},
			"c/media/thumb.png":  {Data: []byte("x")},
			"c/captions/a.vtt":   {Data: []byte("WEBVTT")},
			"outside/secret.txt": {Data: []byte("secret")},
		}
		b, ps, err := Load(fsys, "c", testKinds(t))
		if err != nil {
			t.Fatalf("error for content: %v", err)
		}
		if (b == nil) == (len(ps) == 0) {
			t.Fatalf("bundle %v with %d problems", b != nil, len(ps))
		}
		for _, p := range ps {
			if !strings.HasPrefix(p.File, "c") || p.Line < 0 || p.Column < 0 || p.Message == "" {
				t.Fatalf("malformed problem %#v", p)
			}
		}
		if b != nil {
			for _, c := range b.Courses {
				for _, l := range c.Lectures {
					for _, tp := range l.Topics {
						for _, ref := range []string{tp.Video, tp.Captions} {
							if ref != "" && !strings.HasPrefix(ref, "c/") {
								t.Fatalf("reference %q outside the bundle", ref)
							}
						}
					}
				}
			}
		}
	})
}
