package web_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/web"
)

var formPages = fstest.MapFS{
	"form.html": {Data: []byte(`{{define "title"}}Form{{end}}
{{define "content"}}{{template "form_alert" .Page}}<form novalidate>
{{template "field" (dict "Form" .Page "Name" "email" "Label" "E-mail" "Type" "email" "Autocomplete" "email" "Required" true "Help" "We never share it.")}}
{{template "field" (dict "Form" .Page "Name" "password" "Label" "Password" "Type" "password" "Autocomplete" "new-password" "Toggle" true)}}
{{template "field" (dict "Form" .Page "Name" "bio" "Label" "Bio" "Type" "textarea" "Optional" true)}}
</form>{{end}}`)},
	"dates.html": {Data: []byte(`{{define "title"}}Dates{{end}}{{define "content"}}<p id="d">{{date .Page}}</p><p id="dt">{{datetime .Page}}</p><p id="nil">{{datetime nil}}</p>{{end}}`)},
}

func formApp(t *testing.T) *fiber.App {
	t.Helper()
	app, w := newApp(t)
	if err := w.AddTemplates("ft", formPages); err != nil {
		t.Fatal(err)
	}
	app.Get("/form", func(c *fiber.Ctx) error {
		f := web.NewForm("email", "password", "bio")
		f.Set("email", `a"b@example.com`).Set("password", "secret-value").Set("bio", "<hello>")
		if c.Query("bad") != "" {
			err := apperr.InvalidFields("request.validation",
				apperr.FieldError{Location: "body.password", Message: "password.too_short"},
				apperr.FieldError{Location: "body.email", Message: "email is wrong"},
				apperr.FieldError{Location: "body.role", Message: "role is wrong"})
			if !f.AddError(err, func(id string) string { return strings.ToUpper(id) }) {
				t.Error("AddError: no field errors found")
			}
		}
		return w.Render(c, http.StatusOK, "ft/form", f)
	})
	app.Get("/dates", func(c *fiber.Ctx) error {
		return w.Render(c, http.StatusOK, "ft/dates", time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC))
	})
	app.Get("/hint", func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		switch c.Query("as") {
		case "stale":
			ctx = web.WithSessionHint(ctx, web.SessionHint{Stale: true})
		case "active":
			ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: 1, Role: authz.Student})
			ctx = web.WithSessionHint(ctx, web.SessionHint{ExpiresIn: 14*time.Minute + 30*time.Second})
		}
		c.SetUserContext(ctx)
		return w.Render(c, http.StatusOK, "test/hello", "x")
	})
	return app
}

func TestFormField(t *testing.T) {
	app := formApp(t)
	_, body := get(t, app, "/form")
	for _, want := range []string{
		`<label class="form-label" for="f-email">E-mail</label>`,
		`<input class="form-control" id="f-email" name="email" type="email" value="a&#34;b@example.com" autocomplete="email" spellcheck="false" autocapitalize="none" required aria-describedby="f-email-help">`,
		`<div class="form-text" id="f-email-help">We never share it.</div>`,
		`data-password-toggle="f-password"`, `<span class="form-optional">(선택)</span>`,
		`<textarea class="form-control" id="f-bio" name="bio" rows="4">&lt;hello&gt;</textarea>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	for _, bad := range []string{"secret-value", "is-invalid", "autofocus", `role="alert"`} {
		if strings.Contains(body, bad) {
			t.Errorf("clean form contains %q", bad)
		}
	}

	_, body = get(t, app, "/form?bad=1")
	for _, want := range []string{
		`class="form-control is-invalid" id="f-email"`,
		`aria-describedby="f-email-help f-email-error" aria-invalid="true" autofocus>`, // first invalid in display order
		`<div class="invalid-feedback" id="f-email-error"><i class="bi bi-exclamation-circle" aria-hidden="true"></i> EMAIL IS WRONG</div>`,
		`id="f-password-error"`, "PASSWORD.TOO_SHORT",
		`role="alert"`, "ROLE IS WRONG", // a location the form lacks becomes the form's message
	} {
		if !strings.Contains(body, want) {
			t.Errorf("invalid form lacks %s", want)
		}
	}
	if strings.Count(body, "autofocus") != 1 || strings.Contains(body, "secret-value") {
		t.Error("one autofocus, no password echo")
	}

	// AddError ignores errors without fields.
	if web.NewForm("a").AddError(errors.New("boom"), strings.ToUpper) {
		t.Error("AddError on a plain error")
	}
	var nilForm *web.Form
	if nilForm.Invalid() || nilForm.Value("x") != "" || nilForm.Err("x") != "" || nilForm.Autofocus("x") {
		t.Error("nil form not empty")
	}
}

func TestDateFuncs(t *testing.T) {
	app := formApp(t)
	_, body := get(t, app, "/dates")
	for _, want := range []string{`<p id="d">2026년 3월 2일</p>`, `<p id="dt">2026년 3월 2일 18:05</p>`, `<p id="nil"></p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("ko dates lack %s", want)
		}
	}
	_, body = get(t, app, "/dates?lang=en")
	for _, want := range []string{`<p id="d">Mar 2, 2026</p>`, `<p id="dt">Mar 2, 2026, 18:05</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("en dates lack %s", want)
		}
	}
}

func TestSessionHintAttributes(t *testing.T) {
	app := formApp(t)
	_, body := get(t, app, "/hint")
	if !strings.Contains(body, "<body>") || strings.Contains(body, "js/session.") {
		t.Error("anonymous page: no session attributes, no session script")
	}
	_, body = get(t, app, "/hint?as=stale")
	if !strings.Contains(body, `<body data-session="stale">`) || !strings.Contains(body, `/static/js/session.`) {
		t.Errorf("stale page:\n%s", body)
	}
	_, body = get(t, app, "/hint?as=active")
	if !strings.Contains(body, `<body data-session="active" data-session-expires-in="870">`) {
		t.Errorf("signed-in page:\n%s", body)
	}
}
