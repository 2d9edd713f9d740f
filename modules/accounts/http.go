package accounts

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
)

type profileOutput struct{ Body Profile }

type newUserBody struct {
	Email           string  `json:"email" maxLength:"254" example:"learner@example.com"`
	Password        string  `json:"password" maxLength:"256" doc:"At least 10 characters; not the e-mail; not a common password."`
	PasswordConfirm string  `json:"password_confirm" maxLength:"256"`
	Nickname        string  `json:"nickname" maxLength:"40" doc:"2 to 20 characters, unique (ignoring case)." example:"위버"`
	PhoneNumber     *string `json:"phone_number,omitempty" required:"false" maxLength:"40" doc:"Stored encrypted." example:"010-1234-5678"`
}

type registerInput struct{ Body newUserBody }

type adminCreateInput struct {
	Body struct {
		Email           string     `json:"email" maxLength:"254"`
		Password        string     `json:"password" maxLength:"256"`
		PasswordConfirm string     `json:"password_confirm" maxLength:"256"`
		Nickname        string     `json:"nickname" maxLength:"40"`
		PhoneNumber     *string    `json:"phone_number,omitempty" required:"false" maxLength:"40"`
		Role            authz.Role `json:"role" enum:"student,tutor,admin"`
	}
}

type changesBody struct {
	Nickname     *string     `json:"nickname,omitempty" maxLength:"40"`
	PhoneNumber  *string     `json:"phone_number,omitempty" maxLength:"40" doc:"An empty string removes it."`
	Introduction *string     `json:"introduction,omitempty" maxLength:"2000"`
	Role         *authz.Role `json:"role,omitempty" enum:"student,tutor,admin" doc:"Admins only."`
	IsActive     *bool       `json:"is_active,omitempty" doc:"Admins only: false suspends the account and ends its sessions."`
}

func (b changesBody) changes() Changes {
	return Changes{Nickname: b.Nickname, PhoneNumber: b.PhoneNumber, Introduction: b.Introduction, Role: b.Role, Active: b.IsActive}
}

type patchMeInput struct {
	Body struct {
		Nickname     *string `json:"nickname,omitempty" maxLength:"40"`
		PhoneNumber  *string `json:"phone_number,omitempty" maxLength:"40" doc:"An empty string removes it."`
		Introduction *string `json:"introduction,omitempty" maxLength:"2000"`
	}
}

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type patchInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body changesBody
}

type putInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Nickname     string  `json:"nickname" maxLength:"40"`
		Introduction string  `json:"introduction" maxLength:"2000"`
		PhoneNumber  *string `json:"phone_number,omitempty" required:"false" maxLength:"40" doc:"Omitted: removed (PUT replaces the profile)."`
	}
}

type listInput struct {
	httpx.PageParams
	Search   string `query:"search" maxLength:"100" doc:"Part of the e-mail or nickname, ignoring case."`
	Ordering string `query:"ordering" enum:"created_at,-created_at,email,-email,nickname,-nickname," doc:"Sort order (default -created_at)."`
}

type listOutput struct{ Body httpx.Page[Profile] }

type passwordChangeInput struct {
	Body struct {
		OldPassword        string `json:"old_password" maxLength:"256" doc:"Ignored for accounts without a password (social login)."`
		NewPassword        string `json:"new_password" maxLength:"256"`
		NewPasswordConfirm string `json:"new_password_confirm,omitempty" required:"false" maxLength:"256"`
	}
}

type resetInput struct {
	Body struct {
		Email string `json:"email" maxLength:"254"`
	}
}

type resetOutput struct {
	Body struct {
		Detail string `json:"detail"`
	}
}

type resetConfirmInput struct {
	Body struct {
		Token              string `json:"token" maxLength:"200"`
		NewPassword        string `json:"new_password" maxLength:"256"`
		NewPasswordConfirm string `json:"new_password_confirm,omitempty" required:"false" maxLength:"256"`
	}
}

var tags = []string{"Accounts"}

// private marks a response with personal data (profiles): no cache,
// shared or the browser's, may keep it. Every operation here has it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

func (m *Module) routes(api huma.API) {
	s := m.svc
	authed := huma.Middlewares{private, httpx.Authenticated(api)}
	open := huma.Middlewares{private}
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}

	huma.Register(api, huma.Operation{
		OperationID: "register-student", Method: http.MethodPost, Path: "/api/student/register",
		Summary: "Register as a student", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Creates a student account. Duplicate e-mail or nickname → 409; password policy → 422; " +
			"too many passwords being hashed at once → 503 password.busy with Retry-After.",
		Errors: []int{409, 422, 503}, Middlewares: open,
	}, func(ctx context.Context, in *registerInput) (*profileOutput, error) {
		b := in.Body
		p, err := s.Register(ctx, NewUser{Email: b.Email, Password: b.Password, PasswordConfirm: b.PasswordConfirm,
			Nickname: b.Nickname, PhoneNumber: b.PhoneNumber})
		return &profileOutput{p}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "admin-create-user", Method: http.MethodPost, Path: "/api/admin/users",
		Summary: "Create a user of any role (admins)", Tags: tags, DefaultStatus: http.StatusCreated,
		Security: bearer, Middlewares: huma.Middlewares{private, httpx.Require(api, m.authz, "accounts.user", "create")},
		Errors: []int{401, 403, 409, 422, 503},
	}, func(ctx context.Context, in *adminCreateInput) (*profileOutput, error) {
		b := in.Body
		p, err := s.AdminCreate(ctx, authz.PrincipalFrom(ctx), NewUser{Email: b.Email, Password: b.Password,
			PasswordConfirm: b.PasswordConfirm, Nickname: b.Nickname, PhoneNumber: b.PhoneNumber, Role: b.Role})
		return &profileOutput{p}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/api/me",
		Summary: "My profile with learning statistics", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401},
	}, func(ctx context.Context, _ *struct{}) (*profileOutput, error) {
		p, err := s.Me(ctx, authz.PrincipalFrom(ctx))
		return &profileOutput{p}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "patch-me", Method: http.MethodPatch, Path: "/api/me",
		Summary: "Change my profile", Tags: tags, Security: bearer, Middlewares: authed,
		Errors: []int{401, 409, 422},
	}, func(ctx context.Context, in *patchMeInput) (*profileOutput, error) {
		p, err := s.UpdateMe(ctx, authz.PrincipalFrom(ctx), Changes{Nickname: in.Body.Nickname,
			PhoneNumber: in.Body.PhoneNumber, Introduction: in.Body.Introduction})
		return &profileOutput{p}, err
	})

	huma.Register(api, huma.Operation{
		OperationID: "change-password", Method: http.MethodPost, Path: "/api/password/change",
		Summary: "Change my password", Tags: tags, Security: bearer, Middlewares: authed,
		DefaultStatus: http.StatusNoContent,
		Description: "Checks the old password, sets the new one, and signs out every other session. Wrong old " +
			"passwords count like failed sign-ins: too many → 429 accounts.password_attempts with Retry-After.",
		Errors: []int{401, 422, 429, 503},
	}, func(ctx context.Context, in *passwordChangeInput) (*struct{}, error) {
		return nil, s.ChangePassword(ctx, authz.PrincipalFrom(ctx), in.Body.OldPassword, in.Body.NewPassword, in.Body.NewPasswordConfirm)
	})

	huma.Register(api, huma.Operation{
		OperationID: "request-password-reset", Method: http.MethodPost, Path: "/api/password/reset",
		Summary: "Mail a password-reset link", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Always 202, whether or not the e-mail has an account. The link is valid for one hour, once.",
		Middlewares: open,
	}, func(ctx context.Context, in *resetInput) (*resetOutput, error) {
		lang := i18n.LangFrom(ctx)
		if err := s.RequestReset(ctx, in.Body.Email, clientIP(ctx), lang); err != nil {
			return nil, err
		}
		out := &resetOutput{}
		out.Body.Detail = m.i18n.T(lang, "accounts.reset_requested", nil)
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "confirm-password-reset", Method: http.MethodPost, Path: "/api/password/reset/confirm",
		Summary: "Set a new password with a reset token", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Signs out every session of the account.", Errors: []int{422, 503}, Middlewares: open,
	}, func(ctx context.Context, in *resetConfirmInput) (*struct{}, error) {
		return nil, s.ConfirmReset(ctx, in.Body.Token, in.Body.NewPassword, in.Body.NewPasswordConfirm)
	})

	for _, r := range []struct {
		g       group
		plural  string
		noun    string
		listDoc string
	}{
		{students, "students", "student", "Tutors see the students enrolled in their courses; admins see every student."},
		{tutors, "tutors", "tutor", "Admins only."},
	} {
		g, base, noun := r.g, "/api/"+r.plural, r.noun
		huma.Register(api, huma.Operation{
			OperationID: "list-" + r.plural, Method: http.MethodGet, Path: base,
			Summary: "List " + r.plural, Tags: tags, Security: bearer, Errors: []int{401, 403},
			Description: r.listDoc,
			Middlewares: huma.Middlewares{private, httpx.Require(api, m.authz, object(string(g.listed)), "list")},
		}, func(ctx context.Context, in *listInput) (*listOutput, error) {
			items, count, err := s.List(ctx, authz.PrincipalFrom(ctx), g, in.Search, statusActive, in.Ordering, in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &listOutput{httpx.NewPage(ctx, in.PageParams, count, items)}, nil
		})
		huma.Register(api, huma.Operation{
			OperationID: "get-" + noun, Method: http.MethodGet, Path: base + "/{id}",
			Summary: "Get a " + noun, Tags: tags, Security: bearer, Middlewares: authed, Errors: []int{401, 404},
		}, func(ctx context.Context, in *idInput) (*profileOutput, error) {
			p, err := s.Get(ctx, authz.PrincipalFrom(ctx), g, in.ID)
			return &profileOutput{p}, err
		})
		huma.Register(api, huma.Operation{
			OperationID: "patch-" + noun, Method: http.MethodPatch, Path: base + "/{id}",
			Summary: "Change part of a " + noun, Tags: tags, Security: bearer, Middlewares: authed,
			Errors: []int{401, 403, 404, 409, 422},
		}, func(ctx context.Context, in *patchInput) (*profileOutput, error) {
			p, err := s.Update(ctx, authz.PrincipalFrom(ctx), g, in.ID, in.Body.changes())
			return &profileOutput{p}, err
		})
		huma.Register(api, huma.Operation{
			OperationID: "put-" + noun, Method: http.MethodPut, Path: base + "/{id}",
			Summary: "Replace a " + noun + "'s profile", Tags: tags, Security: bearer, Middlewares: authed,
			Errors: []int{401, 403, 404, 409, 422},
		}, func(ctx context.Context, in *putInput) (*profileOutput, error) {
			phone := ""
			if in.Body.PhoneNumber != nil {
				phone = *in.Body.PhoneNumber
			}
			p, err := s.Update(ctx, authz.PrincipalFrom(ctx), g, in.ID, Changes{Nickname: &in.Body.Nickname,
				Introduction: &in.Body.Introduction, PhoneNumber: &phone})
			return &profileOutput{p}, err
		})
		huma.Register(api, huma.Operation{
			OperationID: "delete-" + noun, Method: http.MethodDelete, Path: base + "/{id}",
			Summary: "Delete a " + noun + " account (soft)", Tags: tags, Security: bearer, Middlewares: authed,
			DefaultStatus: http.StatusNoContent, Errors: []int{401, 403, 404},
			Description: "Deactivates the account, ends its sessions and erases its personal data; its history stays.",
		}, func(ctx context.Context, in *idInput) (*struct{}, error) {
			return nil, s.Delete(ctx, authz.PrincipalFrom(ctx), g, in.ID)
		})
	}
}

// clientIP is the caller's address as the HTTP layer determined it.
func clientIP(ctx context.Context) string { return httpx.ClientIPFrom(ctx) }
