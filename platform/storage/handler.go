package storage

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
)

// Handler serves objects of st at signed URLs: GET and HEAD of
// {prefix}/{key}?exp=…&sig=…, as URL makes them for Local (or for S3 with
// PublicBaseURL pointing here). Mount it with
//
//	app.Get("/media/*", storage.Handler(st, signer, time.Now, "/media"))
//
// (Fiber routes HEAD to GET handlers.) A bad signature or an expired URL is
// an apperr Forbidden error ("media.signature_invalid" / "media.url_expired",
// wrapping ErrBadSignature / ErrExpired); a missing object is NotFound
// ("media.not_found"); the app's error handler renders them.
//
// The response streams from the Object, one single byte range at most, with
// Content-Length, Accept-Ranges, ETag (If-None-Match → 304, If-Range) and
// Cache-Control: private, max-age=<seconds until exp>; no file is ever read
// into memory whole. Multi-range requests get the whole object, as RFC 9110
// allows.
func Handler(st Store, signer *Signer, now func() time.Time, prefix string) fiber.Handler {
	prefix = strings.TrimRight(prefix, "/") + "/"
	return func(c *fiber.Ctx) error {
		method := c.Method()
		if method != fiber.MethodGet && method != fiber.MethodHead {
			return fiber.ErrMethodNotAllowed
		}
		// Take the key from the raw path and unescape it once ourselves:
		// c.Params depends on the app's UnescapePath setting, and the
		// signature is over the exact key.
		raw, ok := strings.CutPrefix(string(c.Request().URI().PathOriginal()), prefix)
		if !ok {
			return notFound()
		}
		key, err := url.PathUnescape(raw)
		if err != nil {
			return notFound()
		}
		t := now()
		exp := c.Query("exp")
		if err := signer.Verify(key, exp, c.Query("sig"), t); err != nil {
			if errors.Is(err, ErrExpired) {
				return apperr.New(apperr.Forbidden, "media.url_expired", "media.url_expired").Because(err)
			}
			return apperr.New(apperr.Forbidden, "media.signature_invalid", "media.signature_invalid").Because(err)
		}
		expUnix, _ := strconv.ParseInt(exp, 10, 64) // valid: Verify passed

		// For S3 the body is read after this function returns, while
		// fasthttp writes the response, so the object must not die with a
		// request-scoped context (a timeout middleware cancels it on
		// return). A dropped client still stops the read: fasthttp closes
		// the stream.
		ctx := context.WithoutCancel(c.UserContext())
		var obj Object
		var info Info
		if method == fiber.MethodHead {
			info, err = st.Stat(ctx, key) // HEAD needs no reader (and no GET against S3)
		} else {
			obj, err = st.Open(ctx, key)
			if err == nil {
				info = obj.Info()
			}
		}
		if err != nil {
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidKey) {
				return notFound()
			}
			return err
		}
		// Close obj on every path that does not hand it to fasthttp.
		handed := false
		defer func() {
			if obj != nil && !handed {
				obj.Close()
			}
		}()

		etag := ""
		if info.ETag != "" {
			etag = `"` + strings.Trim(info.ETag, `"`) + `"`
		}
		h := &c.Response().Header
		h.Set(fiber.HeaderContentType, info.ContentType)
		h.Set(fiber.HeaderAcceptRanges, "bytes")
		h.Set(fiber.HeaderCacheControl, "private, max-age="+strconv.FormatInt(max(expUnix-t.Unix(), 0), 10))
		if !info.ModTime.IsZero() {
			h.Set(fiber.HeaderLastModified, info.ModTime.UTC().Format(http.TimeFormat))
		}
		if etag != "" {
			h.Set(fiber.HeaderETag, etag)
		}
		// User uploads are served from our origin: never let a browser
		// sniff one into HTML, nor run it as a document if it is one.
		h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		h.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")

		if etag != "" && etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
			c.Status(fiber.StatusNotModified)
			return nil
		}

		start, length, status := int64(0), info.Size, fiber.StatusOK
		if rh := c.Get(fiber.HeaderRange); rh != "" && ifRangeAllows(c.Get(fiber.HeaderIfRange), etag) {
			s, n, ok, satisfiable := parseRange(rh, info.Size)
			switch {
			case ok && !satisfiable:
				h.Set(fiber.HeaderContentRange, "bytes */"+strconv.FormatInt(info.Size, 10))
				c.Status(fiber.StatusRequestedRangeNotSatisfiable)
				return nil
			case ok:
				start, length, status = s, n, fiber.StatusPartialContent
				h.Set(fiber.HeaderContentRange, "bytes "+strconv.FormatInt(s, 10)+"-"+
					strconv.FormatInt(s+n-1, 10)+"/"+strconv.FormatInt(info.Size, 10))
			}
		}
		c.Status(status)
		if obj == nil { // HEAD: headers only; fasthttp keeps this length and skips the body
			h.SetContentLength(int(length))
			return nil
		}
		if start > 0 {
			if _, err := obj.Seek(start, io.SeekStart); err != nil {
				return err
			}
		}
		if rl, ok := obj.(interface{ setReadEnd(int64) }); ok && length > 0 {
			rl.setReadEnd(start + length - 1)
		}
		// fasthttp copies the stream in small chunks and closes it (it is an
		// io.Closer) once the response is written or dropped.
		handed = true
		c.Context().SetBodyStream(limitedObject{Reader: io.LimitReader(obj, length), Closer: obj}, int(length))
		return nil
	}
}

type limitedObject struct {
	io.Reader
	io.Closer
}

func notFound() error {
	return apperr.New(apperr.NotFound, "media.not_found", "media.not_found")
}

// parseRange parses a Range header for an object of size bytes. ok is false
// when the header should be ignored (not "bytes=", malformed, or several
// ranges); otherwise satisfiable says whether [start, start+length) is
// within the object, per RFC 9110 §14.1.2.
func parseRange(header string, size int64) (start, length int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if first == "" { // suffix: the last N bytes
		n, err := parseDigits(last)
		if err != nil {
			return 0, 0, false, false
		}
		if n == 0 || size == 0 {
			return 0, 0, true, false
		}
		n = min(n, size)
		return size - n, n, true, true
	}
	s, err := parseDigits(first)
	if err != nil {
		return 0, 0, false, false
	}
	e := size - 1
	if last != "" {
		if e, err = parseDigits(last); err != nil || e < s {
			return 0, 0, false, false
		}
		e = min(e, size-1)
	}
	if s >= size {
		return 0, 0, true, false
	}
	return s, e - s + 1, true, true
}

// parseDigits accepts only ASCII digits (strconv also takes a sign).
func parseDigits(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// etagMatches reports whether an If-None-Match header matches etag, using
// the weak comparison RFC 9110 prescribes for it.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// ifRangeAllows reports whether a Range may be honoured given If-Range: an
// absent header, or our strong ETag exactly. A date or another ETag means
// the client's partial copy is stale, so it gets the whole object.
func ifRangeAllows(header, etag string) bool {
	header = strings.TrimSpace(header)
	return header == "" || (etag != "" && header == etag)
}
