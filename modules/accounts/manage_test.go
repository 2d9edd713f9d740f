package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// teaching stands in for the module that owns enrollments: which students
// each tutor teaches.
type teaching map[int64][]int64

func (t teaching) StudentIDsOfTutor(_ context.Context, tutorID int64) ([]int64, error) {
	return t[tutorID], nil
}

// A tutor reads and lists the students they teach (the "teaches" relation),
// e-mail included but not their private fields, and may change none of
// them; another tutor's students stay hidden.
func TestTutorSeesTheirStudents(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		a := register(t, ta, "a@example.com", "배우는에이", "phone_number", "010-1111-2222")
		b := register(t, ta, "b@example.com", "배우는비", "phone_number", "010-3333-4444")
		tu := register(t, ta, "tutor@example.com", "가르치는사람")
		promote(t, ta, tu.ID, "tutor")
		tu2 := register(t, ta, "tutor2@example.com", "다른강사")
		promote(t, ta, tu2.ID, "tutor")
		testkit.Must(t, ta.App.ReplaceProvider(teaching{tu.ID: {a.ID}, tu2.ID: {b.ID}}))
		aURL, bURL := fmt.Sprintf("/api/students/%d/", a.ID), fmt.Sprintf("/api/students/%d/", b.ID)

		ta.Get(aURL, as(tu)...).Status(200).Contains("a@example.com").NotContains("010-1111-2222", "last_login_at")
		ta.Get(bURL, as(tu)...).Problem(404, "accounts.user_not_found")
		ta.Get(aURL, as(tu2)...).Problem(404, "accounts.user_not_found")
		// Reading is all: changes are refused as forbidden, the row being known.
		ta.Request(http.MethodPatch, aURL, map[string]string{"nickname": "바뀐이름"}, as(tu)...).Problem(403, "authz.forbidden")
		ta.Request(http.MethodPatch, aURL, map[string]any{"is_active": false}, as(tu)...).Problem(403, "")
		ta.Request(http.MethodDelete, aURL, nil, as(tu)...).Problem(403, "authz.forbidden")
		// A student does not teach, whatever the provider says of them.
		testkit.Must(t, ta.App.ReplaceProvider(teaching{tu.ID: {a.ID}, b.ID: {a.ID}}))
		ta.Get(aURL, as(b)...).Problem(404, "")

		r := ta.Get("/api/students/", as(tu)...).Status(200)
		r.Contains(`"count":1`, "a@example.com").NotContains("b@example.com", "010-1111-2222", "last_login_at")
		// The student's own record, phone included.
		ta.Get(aURL, as(a)...).Status(200).Contains("010-1111-2222", "last_login_at")
	})
}

// Whoever manages accounts cannot change their own role, suspend or delete
// themselves; they manage everyone else. An admin's own account is reached
// through /api/tutors/, and only by admins.
func TestAdminKeepsOwnAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ad := register(t, ta, "admin@example.com", "관리자", "phone_number", "010-9999-0000")
		promote(t, ta, ad.ID, "admin")
		tu := register(t, ta, "tutor@example.com", "강사")
		promote(t, ta, tu.ID, "tutor")
		st := register(t, ta, "s@example.com", "학생")
		self := fmt.Sprintf("/api/tutors/%d/", ad.ID)

		ta.Get(self, as(ad)...).Status(200).Contains(`"role":"admin"`, "010-9999-0000")
		ta.Get(self, as(tu)...).Problem(404, "accounts.user_not_found")
		ta.Get(fmt.Sprintf("/api/students/%d/", ad.ID), as(ad)...).Problem(404, "")
		if p := ta.Request(http.MethodPatch, self, map[string]any{"role": "tutor"}, as(ad)...).Problem(422, ""); !strings.Contains(fmt.Sprint(p["errors"]), "body.role") {
			t.Fatalf("demoting oneself: %v", p)
		}
		if p := ta.Request(http.MethodPatch, self, map[string]any{"is_active": false}, as(ad)...).Problem(422, ""); !strings.Contains(fmt.Sprint(p["errors"]), "body.is_active") {
			t.Fatalf("suspending oneself: %v", p)
		}
		ta.Request(http.MethodDelete, self, nil, as(ad)...).Problem(422, "accounts.cannot_delete_self")
		ta.Request(http.MethodPatch, self, map[string]any{"role": "admin", "nickname": "총관리자"}, as(ad)...).Status(200).
			Contains(`"nickname":"총관리자"`)

		// Everyone else: roles change, accounts are suspended.
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/tutors/%d/", tu.ID), map[string]any{"role": "admin"}, as(ad)...).Status(200).
			Contains(`"role":"admin"`)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/tutors/%d/", tu.ID), map[string]any{"role": "tutor"}, as(ad)...).Status(200)
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/students/%d/", st.ID), map[string]any{"is_active": false}, as(ad)...).
			Status(200).Contains(`"is_active":false`)
		// A tutor manages nobody, not even themselves.
		ta.Request(http.MethodPatch, fmt.Sprintf("/api/tutors/%d/", tu.ID), map[string]any{"role": "admin"}, as(tu)...).
			Problem(403, "accounts.admin_only_field")
	})
}
