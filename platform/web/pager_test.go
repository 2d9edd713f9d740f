package web_test

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

func TestPaginate(t *testing.T) {
	link := func(p int) string { return "/x?page=" + strconv.Itoa(p) }
	if p := web.Paginate(1, 1, link); p.Prev != "" || p.Next != "" || p.Links != nil {
		t.Errorf("one page: %+v", p)
	}
	p := web.Paginate(6, 12, link)
	var got []string
	for _, l := range p.Links {
		switch {
		case l.Gap:
			got = append(got, "…")
		case l.Current:
			got = append(got, "["+strconv.Itoa(l.Number)+"]")
		default:
			got = append(got, strconv.Itoa(l.Number))
		}
	}
	want := []string{"1", "…", "4", "5", "[6]", "7", "8", "…", "12"}
	if !reflect.DeepEqual(got, want) || p.Prev != "/x?page=5" || p.Next != "/x?page=7" {
		t.Errorf("links %v, prev %q, next %q", got, p.Prev, p.Next)
	}
	if p := web.Paginate(20, 3, link); p.Prev != "/x?page=3" || p.Next != "" {
		t.Errorf("past the end: prev %q next %q", p.Prev, p.Next)
	}
	if web.Number(int64(1234567)) != "1,234,567" || web.Number(-5000) != "-5,000" {
		t.Error("Number")
	}
}

var pagerPages = fstest.MapFS{
	"p.html": {Data: []byte(`{{define "title"}}P{{end}}{{define "content"}}{{template "pager" .Page.Pager}}<form>
{{template "field" (dict "Form" .Page.Form "Name" "level" "Label" "Level" "Type" "select" "Options" .Page.Options "Required" true)}}
{{template "field" (dict "Form" .Page.Form "Name" "code" "Label" "Code" "Type" "textarea" "Code" true)}}
</form>{{end}}`)},
}

func TestPagerSelectAndStudioLink(t *testing.T) { // the studio entry comes from newApp's menus
	app, w := newApp(t)
	if err := w.AddTemplates("pt", pagerPages); err != nil {
		t.Fatal(err)
	}
	app.Get("/p", func(c *fiber.Ctx) error {
		if r := c.Query("as"); r != "" {
			c.SetUserContext(authz.WithPrincipal(c.UserContext(), &authz.Principal{UserID: 1, Role: authz.Role(r)}))
		}
		f := web.NewForm("level", "code").Set("level", "b").Set("code", "<x>")
		if c.Query("bad") != "" {
			f.Fail("level", "pick one")
		}
		return w.Render(c, http.StatusOK, "pt/p", map[string]any{
			"Pager":   web.Paginate(2, 3, func(p int) string { return "/p?page=" + strconv.Itoa(p) }),
			"Form":    f,
			"Options": []web.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B & C"}},
		})
	})
	_, body := get(t, app, "/p")
	for _, want := range []string{
		`<nav class="wv-pager" aria-label="페이지">`, `href="/p?page=1" rel="prev"`, `<a class="page-link" href="/p?page=2" aria-current="page">2</a>`,
		`<select class="form-select" id="f-level" name="level" required>`, `<option value="a">A</option>`, `<option value="b" selected>B &amp; C</option>`,
		`<textarea class="form-control form-code" id="f-code" name="code" rows="4" spellcheck="false" autocapitalize="none" autocomplete="off">&lt;x&gt;</textarea>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if _, body = get(t, app, "/p?bad=1"); !strings.Contains(body, `<select class="form-select is-invalid" id="f-level" name="level" required aria-describedby="f-level-error" aria-invalid="true" autofocus>`) {
		t.Error("invalid select")
	}
	for role, want := range map[string]bool{"student": false, "tutor": true, "admin": true} {
		if _, body = get(t, app, "/p?as="+role); strings.Contains(body, `href="/studio/courses"`) != want {
			t.Errorf("%s: studio link shown = %v", role, !want)
		}
	}
}
