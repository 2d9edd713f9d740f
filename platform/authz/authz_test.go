package authz_test

import (
	"errors"
	"testing"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

func enforcer(t *testing.T) *authz.Enforcer {
	t.Helper()
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	err = en.Add("catalog", []authz.Policy{
		{Role: authz.Anonymous, Obj: "catalog.course", Act: "read", Rel: authz.Any},
		{Role: authz.Student, Obj: "catalog.course", Act: "read", Rel: authz.Any},
		{Role: authz.Student, Obj: "catalog.topic", Act: "view", Rel: authz.Enrolled},
		{Role: authz.Tutor, Obj: "catalog.course", Act: "create", Rel: authz.Any},
		{Role: authz.Tutor, Obj: "catalog.course", Act: "update", Rel: authz.Owner},
		{Role: authz.Anonymous, Obj: "catalog.draft", Act: "read", Rel: authz.Published},
	})
	if err != nil {
		t.Fatal(err)
	}
	return en
}

func TestMatrix(t *testing.T) {
	en := enforcer(t)
	cases := []struct {
		role          authz.Role
		obj, act, rel string
		want          bool
	}{
		{authz.Anonymous, "catalog.course", "read", authz.None, true},
		{authz.Anonymous, "catalog.course", "create", authz.None, false},
		{authz.Student, "catalog.course", "create", authz.None, false},
		{authz.Student, "catalog.topic", "view", authz.Enrolled, true},
		{authz.Student, "catalog.topic", "view", authz.None, false},
		{authz.Tutor, "catalog.topic", "view", authz.Enrolled, true}, // tutor inherits student
		{authz.Tutor, "catalog.course", "create", authz.None, true},
		{authz.Tutor, "catalog.course", "update", authz.Owner, true},
		{authz.Tutor, "catalog.course", "update", authz.None, false}, // another tutor's course
		{authz.Admin, "catalog.course", "update", authz.None, true},
		{authz.Admin, "anything.else", "whatever", authz.None, true},
		{authz.Role("root"), "catalog.course", "read", authz.None, true}, // unknown role = anonymous
		{authz.Role("root"), "catalog.course", "create", authz.None, false},
		{authz.Student, "catalog.draft", "read", authz.Published, true}, // student inherits anonymous
		{authz.Tutor, "catalog.draft", "read", authz.Published, true},
		{authz.Anonymous, "catalog.draft", "read", authz.None, false},
	}
	for _, c := range cases {
		p := &authz.Principal{UserID: 7, Role: c.role}
		if got := en.Allowed(p, c.obj, c.act, c.rel); got != c.want {
			t.Errorf("%s %s %s %s: got %v, want %v", c.role, c.obj, c.act, c.rel, got, c.want)
		}
	}
}

// A row may relate to the caller in several ways at once; a rule matching
// any of them allows. No relation at all is None.
func TestSeveralRelations(t *testing.T) {
	en := enforcer(t)
	tutor := &authz.Principal{UserID: 3, Role: authz.Tutor}
	if !en.Allowed(tutor, "catalog.course", "update", authz.Published, authz.Owner) {
		t.Error("owner among several relations refused")
	}
	if en.Allowed(tutor, "catalog.course", "update", authz.Published, authz.Enrolled) {
		t.Error("update allowed without the owner relation")
	}
	if en.Allowed(tutor, "catalog.course", "update") {
		t.Error("no relation allowed an owner-only rule")
	}
	if !en.Allowed(nil, "catalog.course", "read") {
		t.Error("relation-free rule refused with no relation")
	}
	rels := authz.Rels{}.If(true, authz.Owner).If(false, authz.Published)
	if len(rels) != 1 || rels[0] != authz.Owner {
		t.Errorf("Rels = %v", rels)
	}
}

func TestCheckErrors(t *testing.T) {
	en := enforcer(t)
	if err := en.Check(nil, "catalog.course", "create"); !errors.Is(err, apperr.Unauthenticated) {
		t.Fatalf("anonymous: %v, want Unauthenticated", err)
	}
	student := &authz.Principal{UserID: 1, Role: authz.Student}
	if err := en.Check(student, "catalog.course", "create", authz.None); !errors.Is(err, apperr.Forbidden) {
		t.Fatalf("student: %v, want Forbidden", err)
	}
	if err := en.Check(student, "catalog.course", "read", authz.None); err != nil {
		t.Fatal(err)
	}
}

func TestPoliciesAreNamespaced(t *testing.T) {
	en, _ := authz.New()
	for _, p := range []authz.Policy{
		{Role: authz.Student, Obj: "commerce.order", Act: "read", Rel: authz.Any}, // another module's object
		{Role: authz.Student, Obj: "catalog.", Act: "read", Rel: authz.Any},
		{Role: "root", Obj: "catalog.course", Act: "read", Rel: authz.Any},
		{Role: authz.Student, Obj: "catalog.course", Act: "", Rel: authz.Any},
	} {
		if err := en.Add("catalog", []authz.Policy{p}); err == nil {
			t.Errorf("accepted %s", p)
		}
	}
	if len(en.Policies()) != 0 {
		t.Fatal("a refused policy was kept")
	}
}

func TestPrincipal(t *testing.T) {
	var p *authz.Principal
	if p.RoleOf() != authz.Anonymous {
		t.Fatal("nil principal is not anonymous")
	}
	if (&authz.Principal{Role: "bogus"}).RoleOf() != authz.Anonymous {
		t.Fatal("invalid role not treated as anonymous")
	}
	for r, want := range map[authz.Role]bool{authz.Student: true, authz.Tutor: true, authz.Admin: true,
		authz.Anonymous: false, "superuser": false, "": false} {
		if r.Assignable() != want {
			t.Errorf("%q assignable: %v", r, !want)
		}
	}
}

// A list asks casbin which rows it may show: everything (admins), the rows
// in some relation to the caller, or nothing.
func TestScope(t *testing.T) {
	en := enforcer(t)
	admin := &authz.Principal{UserID: 1, Role: authz.Admin}
	tutor := &authz.Principal{UserID: 2, Role: authz.Tutor}
	student := &authz.Principal{UserID: 3, Role: authz.Student}
	if s := en.Scope(admin, "catalog.course", "update", authz.Owner); !s.All || !s.Has(authz.Owner) {
		t.Errorf("admin scope %+v", s)
	}
	if s := en.Scope(tutor, "catalog.course", "update", authz.Owner, authz.Published); s.All || !s.Has(authz.Owner) || s.Has(authz.Published) {
		t.Errorf("tutor scope %+v", s)
	}
	if s := en.Scope(student, "catalog.course", "update", authz.Owner); !s.None() {
		t.Errorf("student scope %+v", s)
	}
	if s := en.Scope(nil, "catalog.draft", "read", authz.Owner, authz.Published); s.All || !s.Has(authz.Published) || s.Has(authz.Owner) {
		t.Errorf("anonymous scope %+v", s)
	}
}
