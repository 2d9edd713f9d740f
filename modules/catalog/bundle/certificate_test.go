package bundle

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/weaverse/weaverse/modules/catalog"
)

// A course's certificate rule is written under certificate: (only the
// fields that differ from the default) and read back the same; the
// default rule writes nothing.
func TestExportCertificate(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule catalog.CertificateRule
		yaml string // what course.yaml holds of it
	}{
		{"default", catalog.CertificateRule{}, ""},
		{"custom", catalog.CertificateRule{MinProgress: 80, Missions: catalog.CertMissionsFinal, MinScore: 70},
			"certificate:\n  min_progress: 80\n  missions: final\n  min_score: 70\n"},
		{"disabled", catalog.CertificateRule{Disabled: true}, "certificate:\n  disabled: true\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := loadOK(t)(Load(os.DirFS(subjects(t)), "sample-course", testKinds(t)))
			b.Courses[0].Certificate = tc.rule
			got := roundTrip(t, b) // compares every field
			if got.Courses[0].Certificate != tc.rule {
				t.Fatalf("read back %+v, want %+v", got.Courses[0].Certificate, tc.rule)
			}
			media := newFakeMedia(b.Files)
			data, _ := exportZip(t, asStored(b, media), media)
			yaml := zipText(t, data, "sample-course/course.yaml")
			switch {
			case tc.yaml == "" && strings.Contains(yaml, "certificate"):
				t.Fatalf("the default rule is written:\n%s", yaml)
			case tc.yaml != "" && !strings.Contains(yaml, tc.yaml):
				t.Fatalf("course.yaml lacks %q:\n%s", tc.yaml, yaml)
			}
		})
	}
}

// A certificate rule out of bounds is a problem of the file, at its line,
// in words; so is a key the rule does not have.
func TestCertificateProblems(t *testing.T) {
	base := "schema: 1\nslug: c\ntitle: 과정\ncategory: frontend\nskill_level: beginner\nlectures:\n" +
		"  - slug: l\n    title: 강의\n    topics:\n      - slug: t\n        title: 글\n        kind: article\n        body: x\n"
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"bounds", base + "certificate:\n  min_progress: 150\n  missions: sometimes\n  min_score: -1\n", []string{
			"c/course.yaml:15:3: certificate.min_progress: 150 is out of range (0 to 100)",
			`c/course.yaml:16:3: certificate.missions: "sometimes" is not allowed (empty for every midterm and final mission, final, or none)`,
			"c/course.yaml:17:3: certificate.min_score: -1 is out of range (0 to 100)",
		}},
		{"unknown key", base + "certificate:\n  score: 80\n", []string{`c/course.yaml:15:3: certificate: unknown key "score"`}},
		{"not a mapping", base + "certificate: yes\n", []string{"c/course.yaml:14:14: certificate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ps, err := Load(fstest.MapFS{"c/course.yaml": {Data: []byte(tc.yaml)}}, "c", testKinds(t))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(strs(ps), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems lack %q:\n%s", w, got)
				}
			}
		})
	}
	// Within bounds, every value loads.
	ok := base + "certificate:\n  disabled: false\n  min_progress: 100\n  missions: \"\"\n  min_score: 0\n"
	b := loadOK(t)(Load(fstest.MapFS{"c/course.yaml": {Data: []byte(ok)}}, "c", testKinds(t)))
	if r := b.Courses[0].Certificate; r != (catalog.CertificateRule{MinProgress: 100}) {
		t.Fatalf("rule %+v", r)
	}
}

// zipText is one file of an archive, as text.
func zipText(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
