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

// filePart streams the "file" part of a multipart request without buffering
// the body: large bodies arrive as a stream (StreamRequestBody), small ones
// are already read. Other form fields before the file are collected (up to
// a small size each).
func filePart(c *fiber.Ctx) (io.Reader, string, map[string]string, error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, "", nil, apperr.New(apperr.Unsupported, "media.multipart_required", "media.multipart_required")
	}
	var body io.Reader
	if c.Request().IsBodyStream() {
		body = c.Request().BodyStream()
	} else {
		body = bytes.NewReader(c.Body())
	}
	mr := multipart.NewReader(body, params["boundary"])
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", nil, apperr.InvalidFields("media.file_required", apperr.FieldError{Location: "body.file", Message: "media.file_required"})
		}
		if err != nil {
			return nil, "", nil, apperr.New(apperr.Malformed, "request.invalid", "problem.request.invalid").Because(err)
		}
		name := part.FormName()
		if name == "file" {
			return part, part.FileName(), fields, nil
		}
		v, _ := io.ReadAll(io.LimitReader(part, 4096))
		fields[name] = strings.TrimSpace(string(v))
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
