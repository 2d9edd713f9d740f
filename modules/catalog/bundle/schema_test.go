package bundle

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/weaverse/weaverse/modules/catalog"
)

var update = flag.Bool("update", false, "rewrite course.schema.json from Schema()")

// TestSchemaGolden keeps the committed course.schema.json equal to what
// Schema() generates; run `go test ./modules/catalog/bundle -run Golden
// -update` after changing the catalog's input types.
func TestSchemaGolden(t *testing.T) {
	const golden = "course.schema.json"
	if *update {
		if err := os.WriteFile(golden, Schema(testKinds(t)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, Schema(testKinds(t))) {
		t.Fatalf("%s is stale: run go test ./modules/catalog/bundle -run Golden -update", golden)
	}
}

func compileSchema(t *testing.T, ref string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema(testKinds(t))))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("bundle.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("bundle.json" + ref)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlAsJSON reads a YAML file as the JSON value a schema validates.
func yamlAsJSON(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaAcceptsContent: the schema accepts the sample course and every
// file of the default content (as far as it is written), and refuses what
// the loader refuses for shape: an unknown key, a missing schema version.
func TestSchemaAcceptsContent(t *testing.T) {
	root := compileSchema(t, "")
	course := compileSchema(t, "#/$defs/course")
	curriculum := compileSchema(t, "#/$defs/curriculum")
	files := []string{filepath.Join(subjects(t), "sample-course", CourseFile)}
	more, _ := filepath.Glob(filepath.Join(defaultContent(t), "*", CourseFile))
	if len(more) != 7 {
		t.Fatalf("found %d default courses, want 7", len(more))
	}
	files = append(files, more...)
	for _, f := range files {
		v := yamlAsJSON(t, f)
		if err := course.Validate(v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if err := root.Validate(v); err != nil {
			t.Errorf("%s (root): %v", f, err)
		}
	}
	if f := filepath.Join(defaultContent(t), CurriculumFile); fileExists(f) {
		if err := curriculum.Validate(yamlAsJSON(t, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	bad := filepath.Join(subjects(t), "invalid", "broken-curriculum")
	if err := curriculum.Validate(yamlAsJSON(t, filepath.Join(bad, CurriculumFile))); err == nil ||
		!strings.Contains(err.Error(), "pricee") {
		t.Errorf("unknown key: %v", err)
	}
	if err := course.Validate(yamlAsJSON(t, filepath.Join(bad, "quiz-problems", CourseFile))); err == nil ||
		!strings.Contains(err.Error(), "titel") {
		t.Errorf("unknown key: %v", err)
	}
	if err := course.Validate(yamlAsJSON(t, filepath.Join(subjects(t), "invalid", "bad-types", CourseFile))); err == nil {
		t.Error("bad types accepted")
	}
}

func fileExists(f string) bool {
	_, err := os.Stat(f)
	return err == nil
}

// TestSchemaEnums: the enumerations are the catalog's.
func TestSchemaEnums(t *testing.T) {
	var doc struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(testKinds(t)), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		def, prop string
		want      []string
	}{
		{"course", "category", catalog.Categories},
		{"curriculum", "skill_level", catalog.SkillLevels},
		{"topic", "kind", testKinds(t).Names()}, // the YAML key: the JSON name is type
		{"topic", "mission", catalog.Missions},
		{"assignment", "grader", testKinds(t).Graders()},
	} {
		if got := doc.Defs[tc.def].Properties[tc.prop].Enum; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s.%s: %v, want %v", tc.def, tc.prop, got, tc.want)
		}
	}
}

// TestRequiredMatchesValidator holds the schema's required keys to the
// catalog's validation: each required field, emptied in the valid sample,
// makes the validator complain about that field.
func TestRequiredMatchesValidator(t *testing.T) {
	// where finds, in a fresh copy of the sample, the first value of a type
	// and its validator path prefix.
	where := func(c *catalog.CourseInput, typ reflect.Type) (reflect.Value, string) {
		switch typ {
		case courseType:
			return reflect.ValueOf(c).Elem(), ""
		case reflect.TypeFor[catalog.LectureInput]():
			return reflect.ValueOf(&c.Lectures[0]).Elem(), "lectures[0]."
		case topicType:
			return reflect.ValueOf(&c.Lectures[0].Topics[0]).Elem(), "lectures[0].topics[0]."
		case reflect.TypeFor[catalog.QuestionInput]():
			return reflect.ValueOf(&c.Lectures[0].Topics[2].Questions[0]).Elem(), "lectures[0].topics[2].questions[0]."
		case reflect.TypeFor[catalog.ChoiceInput]():
			return reflect.ValueOf(&c.Lectures[0].Topics[2].Questions[0].Choices[0]).Elem(),
				"lectures[0].topics[2].questions[0].choices[0]."
		case assignmentType:
			return reflect.ValueOf(c.Lectures[0].Topics[3].Assignment).Elem(), "lectures[0].topics[3].assignment."
		case reflect.TypeFor[catalog.AssignmentTest]():
			return reflect.ValueOf(&c.Lectures[0].Topics[3].Assignment.Tests[0]).Elem(),
				"lectures[0].topics[3].assignment.tests[0]."
		case reflect.TypeFor[catalog.CSSCheck]():
			// The sample's assignment, turned into an html one with css checks.
			a := c.Lectures[0].Topics[3].Assignment
			a.Grader, a.Function = "html", ""
			for i := range a.Tests {
				a.Tests[i] = catalog.AssignmentTest{Name: a.Tests[i].Name, Hidden: a.Tests[i].Hidden, Selector: "h1",
					CSS: &catalog.CSSCheck{Property: "color", Value: "red"}}
			}
			return reflect.ValueOf(a.Tests[0].CSS).Elem(), "lectures[0].topics[3].assignment.tests[0].css."
		}
		return reflect.Value{}, ""
	}
	kinds := testKinds(t)
	for typ, names := range required {
		for _, name := range names {
			t.Run(fmt.Sprintf("%s.%s", defName(typ), name), func(t *testing.T) {
				b := loadOK(t)(Load(os.DirFS(subjects(t)), "sample-course", kinds))
				var errs []string
				if typ == curriculumType {
					cur := catalog.CurriculumInput{Slug: "c", Title: "t", Category: "frontend", SkillLevel: "beginner"}
					cur.Normalize()
					zeroField(t, reflect.ValueOf(&cur).Elem(), name)
					for _, fe := range catalog.ValidateCurriculum(&cur) {
						errs = append(errs, fe.Location)
					}
				} else {
					c := &b.Courses[0]
					v, prefix := where(c, typ)
					if !v.IsValid() {
						t.Fatalf("no sample value of type %s", typ)
					}
					zeroField(t, v, name)
					c.Status = "published" // a draft may be incomplete
					for _, fe := range catalog.ValidateCourse(c, kinds) {
						if strings.HasPrefix(fe.Location, prefix+name) || fe.Location+"." == prefix {
							return
						}
						errs = append(errs, fe.Location)
					}
				}
				for _, loc := range errs {
					if loc == name {
						return
					}
				}
				t.Errorf("the schema requires %s but the validator accepts it empty (errors: %v)", name, errs)
			})
		}
	}
}

func zeroField(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	for _, f := range fieldsOf(v.Type()) {
		if f.name == name {
			fv := v.Field(f.index)
			fv.Set(reflect.Zero(fv.Type()))
			return
		}
	}
	t.Fatalf("%s has no field %s", v.Type(), name)
}
