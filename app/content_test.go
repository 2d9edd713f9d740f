package app_test

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/platform/testkit"
)

// subjectsDir is testdata/subjects, found from this file's location so it
// holds after a test changes directory.
func subjectsDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata", "subjects")
}

// problemLine is one problem as `content validate` prints it.
var problemLine = regexp.MustCompile(`^[\w./-]+\.yaml:\d+(:\d+)?: \S`)

func TestContentValidateBrokenBundles(t *testing.T) {
	t.Chdir(t.TempDir()) // validate needs no configuration and writes nothing
	invalid := filepath.Join(subjectsDir(t), "invalid")
	entries, err := os.ReadDir(invalid)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			code, out, errOut := runMain(t, nil, "content", "validate", filepath.Join(invalid, e.Name()))
			if code != app.ExitError {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			for _, l := range lines {
				if !problemLine.MatchString(l) || !strings.HasPrefix(l, e.Name()+"/") {
					t.Errorf("not a file:line problem of the bundle: %q", l)
				}
			}
			if !strings.Contains(errOut, "problem") || strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr %q: want one summary line", errOut)
			}
		})
	}
	_, out, _ := runMain(t, nil, "content", "validate", filepath.Join(invalid, "broken-curriculum"))
	for _, want := range []string{
		"broken-curriculum/quiz-problems/course.yaml:31:13: lectures[0].topics[2].questions[0].choices: a question needs exactly five choices (found 4)\n",
		"broken-curriculum/assignment-problems/course.yaml:23:11: lectures[0].topics[0].assignment.grader: \"python\" is not allowed",
		"broken-curriculum/curriculum.yaml:14:5: courses[2]: course folder \"missing-course\" not found",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestContentValidateSample(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runMain(t, nil, "content", "validate", filepath.Join(subjectsDir(t), "sample-course"))
	if code != app.ExitOK || out != "ok: course sample-course, 1 lecture, 4 topics\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestContentUsage(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"content", "validate"}, {"content", "import", "a", "b"}} {
		code, _, errOut := runMain(t, nil, args...)
		if code != app.ExitConfig || !strings.Contains(errOut, "one bundle folder") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	code, _, errOut := runMain(t, nil, "content", "validate", "no-such-folder")
	if code != app.ExitError || strings.Count(errOut, "\n") != 1 {
		t.Errorf("missing folder: exit %d, stderr %q", code, errOut)
	}
}

// TestContentImport: importing is idempotent (the second import of the
// same bundle changes nothing), and a broken bundle is refused before the
// database is opened.
func TestContentImport(t *testing.T) {
	sample := filepath.Join(subjectsDir(t), "sample-course")
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		t.Chdir(t.TempDir())
		env := map[string]string{"WEAVERSE_DATABASE_URL": testkit.DatabaseURL(t, dialect)}
		code, out, errOut := runMain(t, env, "content", "import", sample)
		if code != app.ExitOK || !strings.Contains(out, "created    sample-course\n") {
			t.Fatalf("first import: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		code, out, errOut = runMain(t, env, "content", "import", sample)
		if code != app.ExitOK || !strings.Contains(out, "unchanged  sample-course\n") ||
			strings.Contains(out, "created") || strings.Contains(out, "updated") {
			t.Fatalf("second import: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		if !strings.Contains(out, "imported course sample-course, 1 lecture, 4 topics") {
			t.Fatalf("second import: stdout %q", out)
		}
	})

	t.Run("refused", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		url := "sqlite:" + filepath.Join(dir, "never.db")
		code, out, _ := runMain(t, map[string]string{"WEAVERSE_DATABASE_URL": url},
			"content", "import", filepath.Join(subjectsDir(t), "invalid", "broken-curriculum"))
		if code != app.ExitError || !strings.Contains(out, "five choices") {
			t.Fatalf("exit %d, stdout %q", code, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "never.db")); !os.IsNotExist(err) {
			t.Fatal("a refused import opened the database")
		}
	})
}

// TestContentExport: `content export` writes the bundle archive of a
// course; unpacked, it validates and imports into an empty database as the
// same course. Usage mistakes exit 2, an unknown course 1, and nothing is
// written then.
func TestContentExport(t *testing.T) {
	sample := filepath.Join(subjectsDir(t), "sample-course")
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		dir := t.TempDir()
		t.Chdir(dir)
		env := map[string]string{"WEAVERSE_DATABASE_URL": testkit.DatabaseURL(t, dialect)}
		if code, out, errOut := runMain(t, env, "content", "import", sample); code != app.ExitOK {
			t.Fatalf("import: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		for _, args := range [][]string{{"content", "export"}, {"content", "export", "sample-course"}, {"content", "export", "a", "b", "-o", "x.zip"}} {
			if code, _, errOut := runMain(t, env, args...); code != app.ExitConfig || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
			}
		}
		if code, _, errOut := runMain(t, env, "content", "export", "no-such-course", "-o", "x.zip"); code != app.ExitError || !strings.Contains(errOut, "\n") {
			t.Errorf("unknown course: exit %d, stderr %q", code, errOut)
		}
		if _, err := os.Stat("x.zip"); !os.IsNotExist(err) {
			t.Fatal("a failed export left a file")
		}
		code, out, errOut := runMain(t, env, "content", "export", "sample-course", "-o", "sample.zip")
		if code != app.ExitOK || !strings.Contains(out, "exported sample-course.zip to sample.zip") {
			t.Fatalf("export: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		unpacked := filepath.Join(dir, "unpacked")
		unzipTo(t, "sample.zip", unpacked)
		if code, out, _ := runMain(t, nil, "content", "validate", filepath.Join(unpacked, "sample-course")); code != app.ExitOK {
			t.Fatalf("the exported bundle does not validate: %s", out)
		}
		fresh := map[string]string{"WEAVERSE_DATABASE_URL": testkit.DatabaseURL(t, dialect)}
		code, out, errOut = runMain(t, fresh, "content", "import", filepath.Join(unpacked, "sample-course"))
		if code != app.ExitOK || !strings.Contains(out, "created    sample-course\n") || !strings.Contains(out, "1 lecture, 4 topics") {
			t.Fatalf("import of the export: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}

// unzipTo unpacks an archive (whose names were checked by the exporter).
func unzipTo(t *testing.T, file, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(file)
	testkit.Must(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		testkit.Must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		r, err := f.Open()
		testkit.Must(t, err)
		data, err := io.ReadAll(r)
		testkit.Must(t, err)
		testkit.Must(t, os.WriteFile(p, data, 0o644))
	}
}
