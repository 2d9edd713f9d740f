package httpx

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/i18n"
)

// maxJSONCheck is the largest body JSONBodyGuard reads into memory.
const maxJSONCheck = 16 << 20

// JSONBodyGuard checks a JSON request body against what encoding/json and
// huma's validator let through silently, before huma parses it:
//
//   - text that is not UTF-8 (raw bytes, or an unpaired \ud800-style escape)
//     would be stored as U+FFFD: 422 request.invalid_utf8;
//   - null for a property whose schema is not nullable would be taken as
//     "absent": 422 naming the field (no route gives null a meaning);
//   - an integer out of its Go type's range (or written 1e3) would fail
//     later with Go's internal text: 422 naming the field and its range.
//
// A body that is not JSON is left to huma (400).
func JSONBodyGuard(api huma.API) func(ctx huma.Context, next func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil || op.RequestBody == nil || !jsonRequest(ctx.Header("Content-Type")) {
			next(ctx)
			return
		}
		mt := op.RequestBody.Content["application/json"]
		if mt == nil || mt.Schema == nil {
			next(ctx)
			return
		}
		fc := humafiber.Unwrap(ctx)
		req := fc.Request()
		var body []byte
		if req.IsBodyStream() {
			// BodyGuard has read the body already (within the limit) and
			// handed it on as a stream of those bytes.
			// A route that streams its body (no BodyGuard buffer) is
			// checked only up to maxJSONCheck; past that, huma gets the
			// whole stream back unchecked.
			stream, size := req.BodyStream(), req.Header.ContentLength()
			b, err := io.ReadAll(io.LimitReader(stream, maxJSONCheck+1))
			if err != nil || len(b) > maxJSONCheck {
				req.SetBodyStream(io.MultiReader(bytes.NewReader(b), stream), size)
				next(ctx)
				return
			}
			body = b
			req.SetBodyStream(bytes.NewReader(b), len(b))
		} else {
			body = fc.Body()
		}
		if len(body) == 0 {
			next(ctx)
			return
		}
		lang := i18n.LangFrom(ctx.Context())
		env := envFrom(ctx.Context())
		t := func(id string, data map[string]any) string {
			if env.i18n == nil {
				return id
			}
			return env.i18n.T(lang, id, data)
		}
		if !utf8.Valid(body) || loneSurrogate(body) {
			p := NewProblem(ctx.Context(), &apperr.Error{Kind: apperr.Invalid, Code: "request.invalid_utf8",
				Msg: "problem.request.invalid_utf8"})
			p.Errors = []*huma.ErrorDetail{{Location: "body", Message: t("problem.field.utf8", nil)}}
			_ = huma.WriteErr(api, ctx, p.Status, "", p)
			return
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			next(ctx) // huma answers 400 for a body that is not JSON
			return
		}
		var errs []*huma.ErrorDetail
		checkJSON(api.OpenAPI().Components.Schemas, mt.Schema, "body", v, func(loc, id string, data map[string]any) {
			errs = append(errs, &huma.ErrorDetail{Location: loc, Message: t(id, data)})
		})
		if len(errs) > 0 {
			p := NewProblem(ctx.Context(), apperr.New(apperr.Invalid, "request.validation", "problem.request.validation"))
			p.Errors = errs
			_ = huma.WriteErr(api, ctx, p.Status, "", p)
			return
		}
		next(ctx)
	}
}

// jsonRequest reports whether huma will decode a body of this Content-Type
// as JSON. It reads the header exactly as huma's Unmarshal does (the part
// after a "+", cut at ";", empty meaning JSON), so a malformed parameter
// ("application/json; x") cannot make the guard look away while huma still
// decodes the body.
func jsonRequest(ct string) bool {
	start := strings.IndexByte(ct, '+') + 1
	end := strings.IndexByte(ct, ';')
	if end < start {
		end = len(ct)
	}
	switch ct[start:end] {
	case "", "application/json", "json":
		return true
	}
	return false
}

// property returns the schema of a JSON object's key: the exact name, else
// one that differs only in case, as encoding/json and huma's validator
// match them.
func property(s *huma.Schema, key string) *huma.Schema {
	if ps := s.Properties[key]; ps != nil {
		return ps
	}
	for name, ps := range s.Properties {
		if strings.EqualFold(name, key) {
			return ps
		}
	}
	return nil
}

// checkJSON walks v (decoded with UseNumber) along schema s and reports
// null where the schema does not admit it, and integers outside their
// format's range.
func checkJSON(reg huma.Registry, s *huma.Schema, loc string, v any, report func(loc, id string, data map[string]any)) {
	for s != nil && s.Ref != "" {
		s = reg.SchemaFromRef(s.Ref)
	}
	if s == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if len(s.Properties) == 0 {
			return
		}
		for k, pv := range x {
			ps := property(s, k)
			if ps == nil {
				continue // huma reports unknown properties
			}
			checkJSON(reg, ps, loc+"."+k, pv, report)
		}
	case []any:
		for i, iv := range x {
			checkJSON(reg, s.Items, loc+"["+strconv.Itoa(i)+"]", iv, report)
		}
	case nil:
		if !s.Nullable && s.Type != "" && s.Type != "null" {
			report(loc, "problem.field.null", nil)
		}
	case json.Number:
		if s.Type != "integer" {
			return
		}
		bits, lo, hi := 64, int64(math.MinInt64), int64(math.MaxInt64)
		if s.Format == "int32" {
			bits, lo, hi = 32, math.MinInt32, math.MaxInt32
		}
		if s.Minimum != nil && *s.Minimum > float64(lo) {
			lo = int64(math.Ceil(*s.Minimum))
		}
		if s.Maximum != nil && *s.Maximum < float64(hi) {
			hi = int64(math.Floor(*s.Maximum))
		}
		if _, err := strconv.ParseInt(string(x), 10, bits); err != nil {
			report(loc, "problem.field.integer_range", map[string]any{"Min": lo, "Max": hi})
		}
	}
}

// loneSurrogate reports whether a JSON text holds a \uXXXX escape of a
// UTF-16 surrogate that is not part of a pair (encoding/json turns it
// into U+FFFD).
func loneSurrogate(b []byte) bool {
	hex := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case inString && c == '\\':
			r, ok := hex(i)
			if !ok {
				i++ // \" \\ \n …: skip the escaped character
				continue
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return true
			case r >= 0xD800 && r <= 0xDBFF:
				low, ok := hex(i + 6)
				if !ok || low < 0xDC00 || low > 0xDFFF {
					return true
				}
				i += 11
			default:
				i += 5
			}
		}
	}
	return false
}
