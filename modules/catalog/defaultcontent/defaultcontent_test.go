package defaultcontent_test

import (
	"testing"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/modules/catalog/bundle"
	"github.com/weaverse/weaverse/modules/catalog/defaultcontent"
)

// The embedded nano-degree is a valid bundle: 7 published courses, each
// with at least 4 lectures, a midterm and a final mission, and every kind.
func TestDefaultContentIsValid(t *testing.T) {
	kinds := catalog.StandardKinds()
	for _, g := range catalog.StandardGraders() {
		if err := kinds.RegisterGrader(g); err != nil {
			t.Fatal(err)
		}
	}
	b, problems, err := bundle.Load(defaultcontent.FS(), defaultcontent.Root, kinds)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if b == nil || b.Curriculum == nil || len(b.Courses) != 7 || b.Curriculum.Price != 50000 || b.Curriculum.AccessDays != 730 {
		t.Fatalf("bundle: %+v", b)
	}
	if b.Curriculum.Status != "published" {
		t.Fatalf("curriculum status %q", b.Curriculum.Status)
	}
	for _, c := range b.Courses {
		kinds := map[string]int{}
		missions := map[string]int{}
		for _, l := range c.Lectures {
			for _, tp := range l.Topics {
				kinds[tp.Kind]++
				missions[tp.Mission]++
			}
		}
		if c.Status != "published" || len(c.Lectures) < 4 || missions["midterm"] != 1 || missions["final"] != 1 ||
			kinds["video"] == 0 || kinds["article"] == 0 || kinds["quiz"] == 0 {
			t.Errorf("%s: status %s, %d lectures, kinds %v, missions %v", c.Slug, c.Status, len(c.Lectures), kinds, missions)
		}
	}
}
