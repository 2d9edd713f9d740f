package certificates

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
)

var tags = []string{"Certificates"}

// private marks a response with personal data: no cache may keep it.
func private(ctx huma.Context, next func(huma.Context)) {
	ctx.SetHeader("Cache-Control", "private, no-store")
	next(ctx)
}

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type courseInput struct {
	CourseID int64 `path:"course_id" minimum:"1"`
}

type certOutput struct{ Body *Certificate }

type claimOutput struct {
	Status int
	Body   *Certificate
}

type certsOutput struct{ Body []Certificate }

type adminListInput struct {
	httpx.PageParams
	Status string `query:"status" enum:",valid,revoked" doc:"Only valid or revoked ones."`
	Q      string `query:"q" maxLength:"100" doc:"A serial, or part of a holder's name or a title."`
}

type pageOutput struct{ Body httpx.Page[Certificate] }

type eligibilityOutput struct{ Body *Eligibility }

// CertificateClaim asks for a course's certificate.
type CertificateClaim struct {
	CourseID int64 `json:"course_id" minimum:"1"`
}

type claimInput struct{ Body CertificateClaim }

// CertificateRevocation revokes a certificate.
type CertificateRevocation struct {
	Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why (shown to the holder and admins; the public page says only that the issuer revoked it)."`
}

type revokeInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body CertificateRevocation
}

type serialInput struct {
	Serial string `path:"serial" maxLength:"40"`
}

type verifyOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         *Verification
}

type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (m *Module) routes(api huma.API) {
	s := m.svc
	bearer := []map[string][]string{{"bearer": {}}, {"cookie": {}}}
	authed := huma.Middlewares{private, httpx.Authenticated(api)}
	reg := func(op huma.Operation) huma.Operation {
		op.Tags, op.Security = tags, bearer
		if op.Middlewares == nil {
			op.Middlewares = authed
		}
		return op
	}
	held := map[string]*huma.Response{"200": {Description: "The certificate already held.",
		Content: map[string]*huma.MediaType{"application/json": {
			Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(Certificate{}), true, "Certificate")}}}}
	binary := func(mime, desc string) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: desc,
			Content: map[string]*huma.MediaType{mime: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	}

	// Before /api/certificates/{id}/…: a serial is never an id.
	huma.Register(api, huma.Operation{OperationID: "verify-certificate", Method: http.MethodGet,
		Path: "/api/certificates/verify/{serial}", Tags: tags, Summary: "Verify a certificate by its serial (anyone)",
		Errors: []int{404}, Description: "Valid or revoked, holder, course, issue date: nothing else about the " +
			"holder. The serial may be typed in any case, with or without dashes."},
		func(ctx context.Context, in *serialInput) (*verifyOutput, error) {
			v, err := s.Verify(ctx, in.Serial)
			// A revocation must show at once: caches may keep it a minute.
			return &verifyOutput{CacheControl: "public, max-age=60", Body: v}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "list-my-certificates", Method: http.MethodGet,
		Path: "/api/certificates", Summary: "My certificates", Errors: []int{401},
		Description: "Newest first, revoked ones included (with when and why). A course's certificate is issued when " +
			"its certificate rule is met (topics completed, midterm and final missions passed); a nano-degree's when " +
			"every course of the curriculum is certified."}),
		func(ctx context.Context, _ *struct{}) (*certsOutput, error) {
			list, err := s.Mine(ctx, authz.PrincipalFrom(ctx))
			return &certsOutput{list}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-certificate-eligibility", Method: http.MethodGet,
		Path: "/api/certificates/courses/{course_id}", Summary: "Where I stand against a course's certificate rule",
		Errors: []int{401, 404}, Description: "What is done, what is still missing (each with a link to do it), and " +
			"the certificate when it is issued."}),
		func(ctx context.Context, in *courseInput) (*eligibilityOutput, error) {
			e, err := s.Eligibility(ctx, authz.PrincipalFrom(ctx), in.CourseID)
			return &eligibilityOutput{e}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "claim-certificate", Method: http.MethodPost,
		Path: "/api/certificates/claim", Summary: "Ask for a course's certificate", DefaultStatus: http.StatusCreated,
		Errors: []int{401, 404, 409, 422}, Responses: held,
		Description: "201 with the certificate when the rule is met, 200 with the " +
			"one already held; 409 `certificates.not_eligible` when something is missing (the eligibility lists " +
			"it), `certificates.disabled` when the course issues none, `certificates.no_access` without access."}),
		func(ctx context.Context, in *claimInput) (*claimOutput, error) {
			c, created, err := s.Claim(ctx, authz.PrincipalFrom(ctx), in.Body.CourseID)
			if err != nil {
				return nil, err
			}
			st := http.StatusOK
			if created {
				st = http.StatusCreated
			}
			return &claimOutput{st, c}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "list-certificates", Method: http.MethodGet,
		Path: "/api/admin/certificates", Summary: "Every certificate (admins)", Errors: []int{401, 403, 422}}),
		func(ctx context.Context, in *adminListInput) (*pageOutput, error) {
			list, n, err := s.List(ctx, authz.PrincipalFrom(ctx), adminFilter{Status: in.Status, Query: in.Q},
				in.Limit(), in.Offset())
			if err != nil {
				return nil, err
			}
			return &pageOutput{httpx.NewPage(ctx, in.PageParams, n, list)}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-certificate", Method: http.MethodGet,
		Path: "/api/certificates/{id}", Summary: "One of my certificates", Errors: []int{401, 404}}),
		func(ctx context.Context, in *idInput) (*certOutput, error) {
			c, err := s.Get(ctx, authz.PrincipalFrom(ctx), in.ID)
			return &certOutput{c}, err
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-certificate-pdf", Method: http.MethodGet,
		Path: "/api/certificates/{id}/pdf", Summary: "A certificate as a PDF", Errors: []int{401, 404},
		Responses: binary("application/pdf", "A4 landscape, in Korean or English (Accept-Language), with a QR code "+
			"to the verification page. The same certificate gives the same bytes.")}),
		func(ctx context.Context, in *idInput) (*fileOutput, error) {
			r, err := s.load(ctx, authz.PrincipalFrom(ctx), in.ID, "download")
			if err != nil {
				return nil, err
			}
			b, err := m.pdf(i18n.LangFrom(ctx), r)
			if err != nil {
				return nil, err
			}
			return &fileOutput{ContentType: "application/pdf", CacheControl: "private, no-store",
				ContentDisposition: fmt.Sprintf(`inline; filename="%s.pdf"`, r.Serial), Body: b}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "get-certificate-credential", Method: http.MethodGet,
		Path: "/api/certificates/{id}/credential", Summary: "A certificate as a signed Open Badges 3.0 credential",
		Errors: []int{401, 404},
		Responses: binary("application/vc+jwt", "An OpenBadgeCredential as a VC-JWT (EdDSA, Ed25519), verifiable "+
			"offline with the key in /.well-known/jwks.json (or the issuer's did:web document). The holder is "+
			"identified by a salted hash of their e-mail. Its holder's only.")}),
		func(ctx context.Context, in *idInput) (*fileOutput, error) {
			tok, r, err := s.Credential(ctx, authz.PrincipalFrom(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &fileOutput{ContentType: "application/vc+jwt", CacheControl: "private, no-store",
				ContentDisposition: fmt.Sprintf(`attachment; filename="%s.jwt"`, r.Serial), Body: []byte(tok)}, nil
		})
	huma.Register(api, reg(huma.Operation{OperationID: "revoke-certificate", Method: http.MethodPost,
		Path: "/api/certificates/{id}/revoke", Summary: "Revoke a certificate (admins)", Errors: []int{401, 403, 404, 409, 422},
		Description: "Refunds revoke certificates too. A revoked certificate stays verifiable: its page and the " +
			"status list say revoked. Revoking twice is a 409."}),
		func(ctx context.Context, in *revokeInput) (*certOutput, error) {
			c, err := s.Revoke(ctx, authz.PrincipalFrom(ctx), in.ID, in.Body.Reason)
			return &certOutput{c}, err
		})
}
