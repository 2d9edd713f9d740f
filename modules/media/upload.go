package media

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/apperr"
)

// multipartBody reads the request's multipart body without buffering it:
// large bodies arrive as a stream (StreamRequestBody), small ones are
// already read.
func multipartBody(c *fiber.Ctx) (*multipart.Reader, io.Reader, error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, apperr.New(apperr.Unsupported, "media.multipart_required", "media.multipart_required")
	}
	var body io.Reader
	if c.Request().IsBodyStream() {
		body = c.Request().BodyStream()
	} else {
		body = bytes.NewReader(c.Body())
	}
	return multipart.NewReader(body, params["boundary"]), body, nil
}

func malformed(err error) error {
	return apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
}

// formField reads a form field's value (up to 4 KiB), trimmed.
func formField(part *multipart.Part) (string, error) {
	v, err := io.ReadAll(io.LimitReader(part, 4096))
	if err != nil {
		return "", malformed(err)
	}
	return strings.TrimSpace(string(v)), nil
}

// filePart streams the "file" part of a multipart request. Other form
// fields before the file are collected. Once the file is read to its end,
// the rest of the body (later parts, the closing boundary, an epilogue; at
// most trailerMax bytes) is read and dropped before the reader reports
// io.EOF: unread request bytes on the connection would hide the client
// closing it from clientgone.Watch, which sees pending data as a live
// client.
func filePart(c *fiber.Ctx) (io.Reader, map[string]string, error) {
	mr, body, err := multipartBody(c)
	if err != nil {
		return nil, nil, err
	}
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, apperr.InvalidFields("media.file_required", apperr.FieldError{Location: "body.file", Message: "media.file_required"})
		}
		if err != nil {
			return nil, nil, malformed(err)
		}
		if part.FormName() == "file" {
			return &drainingPart{part: part, mr: mr, body: body}, fields, nil
		}
		if fields[part.FormName()], err = formField(part); err != nil {
			return nil, nil, err
		}
	}
}

// trailerMax bounds what filePart reads and drops after the file: the
// fields a form sends after it, the closing boundary.
const trailerMax = 64 << 10

// drainingPart reads the file part, then, at its end, the rest of the body.
type drainingPart struct {
	part    *multipart.Part
	mr      *multipart.Reader
	body    io.Reader
	drained bool
	err     error
}

func (d *drainingPart) Read(p []byte) (int, error) {
	if d.drained {
		return 0, d.err
	}
	n, err := d.part.Read(p)
	if err != io.EOF {
		return n, err
	}
	d.drained, d.err = true, io.EOF
	if err := d.drain(); err != nil {
		d.err = err
	}
	return n, d.err
}

func (d *drainingPart) drain() error {
	left := &io.LimitedReader{R: nil, N: trailerMax + 1}
	for {
		part, err := d.mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return malformed(err)
		}
		left.R = part
		if _, err := io.Copy(io.Discard, left); err != nil {
			return malformed(err)
		}
		if left.N <= 0 {
			return errTrailerTooLarge
		}
	}
	// The epilogue after the closing boundary, up to the body's end.
	left.R = d.body
	if _, err := io.Copy(io.Discard, left); err != nil {
		return malformed(err)
	}
	if left.N <= 0 {
		return errTrailerTooLarge
	}
	return nil
}

var errTrailerTooLarge = malformed(errors.New("more than 64 KiB of form data after the file"))

// smallForm reads a small multipart form (the body guard bounds the body):
// its fields and its "file" part, up to max+1 bytes (so that a larger file
// is refused as such), in any order. chosen reports whether a file was
// chosen (browsers send an empty, unnamed part if not).
func smallForm(c *fiber.Ctx, max int64) (fields map[string]string, file []byte, chosen bool, err error) {
	mr, _, err := multipartBody(c)
	if err != nil {
		return nil, nil, false, err
	}
	fields = map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fields, file, chosen, nil
		}
		if err != nil {
			return nil, nil, false, malformed(err)
		}
		if part.FormName() == "file" {
			chosen = part.FileName() != ""
			if file, err = io.ReadAll(io.LimitReader(part, max+1)); err != nil {
				return nil, nil, false, malformed(err)
			}
			continue
		}
		if fields[part.FormName()], err = formField(part); err != nil {
			return nil, nil, false, err
		}
	}
}

// limitedReader fails with TooLarge once more than max bytes are read.
type limitedReader struct {
	r   io.Reader
	max int64
	n   int64
}

var errTooLarge = apperr.New(apperr.TooLarge, "media.too_large", "media.too_large")

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, errTooLarge
	}
	return n, err
}
