package testkit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// Exemption is a path the OpenAPI document cannot describe, with the reason.
type Exemption struct {
	// Prefix matches a request path that starts with it.
	Prefix string
	// Reason says why the path is not in the document.
	Reason string
}

// Exemptions are the /api/ paths whose responses are not checked against the
// OpenAPI document. Every other /api/ response must be documented.
var Exemptions = []Exemption{
	{"/api/videos/tus", "tus resumable uploads: the tus 1.0 protocol defines these exchanges (HEAD/PATCH/OPTIONS, Upload-* headers), not OpenAPI"},
	{"/api/openapi.", "the OpenAPI document itself (and its 3.0 downgrade), served by huma"},
	{"/api/openapi-3.0.", "the OpenAPI 3.0 downgrade of the document, served by huma"},
	{"/api/schemas/", "the JSON Schemas the document references, served by huma"},
	{"/api/docs", "the HTML API viewer and its static assets"},
	{"/api/catalog/course-bundle.schema.json", "a JSON Schema file for bundle authors, not an API operation"},
}

// APIValidator checks responses of /api/ routes against an OpenAPI 3.1
// document: the status code must be documented for the operation, the
// content type must be one the response declares, and a JSON body must
// match its schema.
type APIValidator struct {
	mu sync.Mutex // the validator's caches are not documented as safe for concurrent use
	v  validator.Validator
}

// validators caches one APIValidator per document (by SHA-256), so a test
// binary parses and compiles the document once, not per app or request.
var validators sync.Map // [sha256.Size]byte → *validatorOnce

type validatorOnce struct {
	once sync.Once
	v    *APIValidator
	err  error
}

// ValidatorFor returns the process-wide validator of an OpenAPI document,
// building it on first use.
func ValidatorFor(doc []byte) (*APIValidator, error) {
	key := sha256.Sum256(doc)
	e, _ := validators.LoadOrStore(key, &validatorOnce{})
	vo := e.(*validatorOnce)
	vo.once.Do(func() { vo.v, vo.err = NewAPIValidator(doc) })
	return vo.v, vo.err
}

// NewAPIValidator builds a validator of an OpenAPI document (JSON or YAML).
// Prefer ValidatorFor, which caches.
func NewAPIValidator(doc []byte) (*APIValidator, error) {
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: parse document: %w", err)
	}
	v, errs := validator.NewValidator(d, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi: build validator: %v", errs)
	}
	return &APIValidator{v: v}, nil
}

// Checked reports whether a response to path is checked: every /api/ path
// except the Exemptions.
func Checked(path string) bool {
	if !strings.HasPrefix(path, "/api/") {
		return false
	}
	for _, e := range Exemptions {
		if strings.HasPrefix(path, e.Prefix) {
			return false
		}
	}
	return true
}

// Validate checks the response to req (status, headers and body) against
// the document and returns one line per violation; nil means conforming.
// Responses to paths outside Checked are not examined. A path the document
// does not know is a violation unless the server answered 404 or 405 (there
// is no such route, which is not something to document).
func (a *APIValidator) Validate(req *http.Request, status int, header http.Header, body []byte) []string {
	if !Checked(req.URL.Path) {
		return nil
	}
	r := req.Clone(req.Context())
	r.Body = http.NoBody
	// The router is not strict: "/api/courses/" is the documented "/api/courses".
	if p := strings.TrimSuffix(r.URL.Path, "/"); p != "" {
		r.URL.Path = p
		r.URL.RawPath = ""
	}
	resp := &http.Response{
		StatusCode: status,
		Header:     header,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    r,
	}
	a.mu.Lock()
	ok, errs := a.v.ValidateHttpResponse(r, resp)
	a.mu.Unlock()
	if ok {
		return nil
	}
	var out []string
	for _, e := range errs {
		if e.ValidationType == helpers.PathValidation && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) {
			continue // no such route or method: nothing to document
		}
		out = append(out, describe(e))
	}
	return out
}

func describe(e *verrors.ValidationError) string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	for _, f := range e.SchemaValidationErrors {
		fmt.Fprintf(&b, "\n\t\t%s: %s", f.FieldPath, f.Reason)
	}
	return b.String()
}
