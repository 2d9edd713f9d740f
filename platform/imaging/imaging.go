// Package imaging turns an untrusted uploaded image into safe, metadata-free
// variants (original, display, thumbnail).
//
// The order of the steps is the point of the package: the input is size-capped
// while it is read, its type comes from magic bytes (never a file name or a
// client-sent Content-Type), and only the header is parsed before the pixel
// count is checked, so a 100 KB file that claims 100000×100000 pixels is
// refused before a single pixel buffer is allocated. Every output is a fresh
// encode, which is what removes EXIF (GPS positions, camera serials), XMP,
// comments and ICC profiles: nothing from the input's metadata survives.
//
// Process is CPU-bound (a 40-megapixel photo takes on the order of a second);
// call it from a job or bound its concurrency, not from every request at once.
package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/weaverse/weaverse/platform/apperr"
)

// kindError is a sentinel that also matches one of the apperr kinds, so an
// error from this package maps to the right HTTP status with no translation
// table in the caller (errors.Is(err, ErrTooLarge) and
// errors.Is(err, apperr.TooLarge) are both true).
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Sentinel errors. Returned errors wrap one of these with details.
var (
	// ErrTooLarge: the input has more than Limits.MaxBytes bytes.
	ErrTooLarge error = &kindError{"imaging: file too large", apperr.TooLarge}
	// ErrUnsupported: the bytes are not a JPEG, PNG, GIF or WebP image.
	ErrUnsupported error = &kindError{"imaging: unsupported image type", apperr.Unsupported}
	// ErrTooManyPixels: the header declares more than Limits.MaxPixels pixels
	// (a decompression bomb, or simply a too-large picture).
	ErrTooManyPixels error = &kindError{"imaging: image has too many pixels", apperr.TooLarge}
	// ErrCorrupt: the type was recognised but the data does not decode.
	ErrCorrupt error = &kindError{"imaging: corrupt image", apperr.Invalid}
)

// Formats returned by Sniff and in Result.Format.
const (
	JPEG = "jpeg"
	PNG  = "png"
	GIF  = "gif"
	WebP = "webp"
)

// Limits bounds the work Process is willing to do for one input.
// A zero field takes its value from DefaultLimits.
type Limits struct {
	MaxBytes  int64 // largest accepted input, in bytes
	MaxPixels int64 // largest accepted width×height, checked before decoding
	MaxSide   int   // the "original" variant is scaled down to fit MaxSide×MaxSide
}

// DefaultLimits suits photos from phones and cameras: 10 MiB, 40 megapixels
// (a decoded RGBA frame of that size is 160 MB, which is the real cost being
// capped), and 12000 px on the longest side of the stored original.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxSide: 12000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = d.MaxSide
	}
	return l
}

// Variant is one re-encoded rendition. Data may be shared between variants of
// the same Result when they have the same size (a small image needs no
// separate thumbnail encode); treat it as read-only.
type Variant struct {
	Name        string // "original", "display" or "thumbnail"
	Width       int
	Height      int
	ContentType string // "image/jpeg" or "image/png"
	Data        []byte
}

// Result describes the accepted input and its variants.
type Result struct {
	Format   string // detected input format: jpeg, png, gif or webp
	Width    int    // input size after EXIF orientation is applied
	Height   int
	Variants []Variant // original, display, thumbnail, in that order
}

// Variant boxes. Each variant fits inside its box and is never upscaled.
const (
	displaySide   = 1280
	thumbnailSide = 320
	jpegQuality   = 85
)

// sniffLen is how much of the input Sniff looks at, as http.DetectContentType.
const sniffLen = 512

// Sniff returns the image format from the magic bytes at the start of head
// (only the first 512 bytes are consulted): jpeg, png, gif or webp. Anything
// else, including SVG (a script carrier) and HEIC, is ErrUnsupported.
func Sniff(head []byte) (string, error) {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return JPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, nil
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, nil
	}
	return "", ErrUnsupported
}

type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// codecs are called directly rather than through image.Decode, so the decoder
// used is the one the magic bytes selected and nothing registered elsewhere
// in the binary (via image.RegisterFormat) can be reached with hostile input.
var codecs = map[string]codec{
	JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	PNG:  {png.DecodeConfig, png.Decode},
	GIF:  {gif.DecodeConfig, gif.Decode}, // gif.Decode stops after the first frame
	WebP: {webp.DecodeConfig, webp.Decode},
}

// Header is what an image's header declares, checked (Inspect) before a
// single pixel is decoded.
type Header struct {
	Format        string // jpeg, png, gif or webp
	Width, Height int
	// BytesPerPixel is the size of one pixel of the decoded frame: 8 for a
	// 16-bit RGBA PNG, 4 for 8-bit RGBA, 3 for a JPEG (4:4:4 at worst), 1
	// for a palette or grey.
	BytesPerPixel int
	// ScanBytes is the decoder's working memory beyond the frame: a
	// progressive JPEG keeps every component's coefficients for the whole
	// image between scans, about 12 bytes a pixel for 4:4:4 colour. 0 for
	// other images.
	ScanBytes int64
}

// Cost is an upper estimate, in bytes, of the memory Process needs for the
// image: the decoded frame, one 4-byte-per-pixel working copy (orientation,
// a GIF canvas, a scaled original) and an encoded original that may be as
// large as the frame (a PNG of noise), plus the decoder's ScanBytes. A
// 6300×6300 16-bit PNG costs about 800 MB, a 12-megapixel phone photo about
// 120 MB (about 270 MB if progressive), 64×48 pixels 37 KB.
func (h Header) Cost() int64 {
	return int64(h.Width)*int64(h.Height)*int64(2*h.BytesPerPixel+4) + h.ScanBytes
}

// bytesPerPixel is the decoded size of a pixel of model (unknown: the
// largest, 8).
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	case color.YCbCrModel:
		return 3
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// Inspect checks data (at most l.MaxBytes) up to its header: its type from
// magic bytes, a readable header with a sane size within l.MaxPixels. It
// decodes no pixels. Errors are those of Process.
func Inspect(data []byte, l Limits) (Header, error) {
	l = l.withDefaults()
	if int64(len(data)) > l.MaxBytes {
		return Header{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.MaxBytes)
	}
	format, err := Sniff(data)
	if err != nil {
		return Header{}, err
	}
	cfg, err := codecs[format].config(bytes.NewReader(data))
	if err != nil {
		return Header{}, fmt.Errorf("%w: %s header: %v", ErrCorrupt, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Header{}, fmt.Errorf("%w: %s declares %d×%d pixels", ErrCorrupt, format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > l.MaxPixels {
		// A header alone is no image: 21 bytes that start with "GIF89a"
		// declare a huge screen by accident. Only a file whose container
		// holds the picture's data is refused for its size; anything else
		// is broken.
		if !complete(format, data) {
			return Header{}, fmt.Errorf("%w: %s declares %d×%d pixels but holds no image data", ErrCorrupt, format, cfg.Width, cfg.Height)
		}
		return Header{}, fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooManyPixels, cfg.Width, cfg.Height, l.MaxPixels)
	}
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height, BytesPerPixel: bytesPerPixel(cfg.ColorModel)}
	if format == JPEG {
		h.ScanBytes = jpegCoeffBytes(data)
	}
	return h, nil
}

// Process validates the image read from r and returns its variants.
// See the package documentation for the order of the checks.
func Process(r io.Reader, l Limits) (*Result, error) {
	// Read one byte past the limit: that is how "exactly MaxBytes" is told
	// apart from "more", without trusting any declared length.
	data, err := io.ReadAll(io.LimitReader(r, l.withDefaults().MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("imaging: reading input: %w", err)
	}
	return ProcessContext(context.Background(), data, l)
}

// ProcessContext is Process for an image already in memory, stopped when ctx
// is done: between the steps (decode, orientation, each variant) and inside
// the decoders and encoders, whose reads and writes fail once ctx is done.
// The error is then ctx's.
func ProcessContext(ctx context.Context, data []byte, l Limits) (*Result, error) {
	l = l.withDefaults()
	h, err := Inspect(data, l)
	if err != nil {
		return nil, err
	}
	format, c := h.Format, codecs[h.Format]
	cfg := image.Config{Width: h.Width, Height: h.Height}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	img, err := safeDecode(c.decode, ctxReader{ctx, bytes.NewReader(data)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, format, err)
	}
	// The decoders check the frame against the header, but the pixel budget
	// must hold for what was actually allocated, so check again.
	b := img.Bounds()
	if b.Empty() || int64(b.Dx())*int64(b.Dy()) > l.MaxPixels {
		return nil, fmt.Errorf("%w: decoded %s frame is %v", ErrCorrupt, format, b)
	}

	if format == GIF && b != image.Rect(0, 0, cfg.Width, cfg.Height) {
		// A GIF frame may cover only part of the logical screen; what a
		// browser shows is the frame on a transparent canvas of screen size.
		canvas := image.NewNRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
		draw.Draw(canvas, b, img, b.Min, draw.Src)
		img = canvas
	}
	if format == JPEG {
		if o := jpegOrientation(data); o > 1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			img = orient(img, o)
		}
	}

	b = img.Bounds()
	res := &Result{Format: format, Width: b.Dx(), Height: b.Dy()}
	opaque := isOpaque(img)

	// Each variant is scaled from the previous one, not from the source:
	// CatmullRom widens its kernel with the ratio, so quality is the same,
	// and a thumbnail of a 40 MP photo costs a resize of the 1280 px image.
	boxes := []struct {
		name string
		side int
	}{{"original", l.MaxSide}, {"display", displaySide}, {"thumbnail", thumbnailSide}}
	cur := img
	var prev *Variant
	for _, box := range boxes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w, h := fit(cur.Bounds().Dx(), cur.Bounds().Dy(), box.side)
		v := Variant{Name: box.name, Width: w, Height: h}
		if prev != nil && prev.Width == w && prev.Height == h {
			v.ContentType, v.Data = prev.ContentType, prev.Data
		} else {
			if w != cur.Bounds().Dx() || h != cur.Bounds().Dy() {
				cur = scale(cur, w, h)
			}
			v.ContentType, v.Data, err = encode(ctx, cur, opaque)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("imaging: encoding %s: %w", box.name, err)
			}
		}
		res.Variants = append(res.Variants, v)
		prev = &res.Variants[len(res.Variants)-1]
	}
	return res, nil
}

// safeDecode turns a decoder panic into an error. The standard decoders are
// fuzzed upstream and are not expected to panic, but one malformed upload must
// never take the whole server down with it.
func safeDecode(decode func(io.Reader) (image.Image, error), r io.Reader) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder panic: %v", p)
		}
	}()
	return decode(r)
}

// ctxReader fails once ctx is done, which stops a decoder between reads.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	// Small reads, so a decoder checks back often (a 40 MP PNG is read in
	// a few thousand steps).
	if len(p) > 32<<10 {
		p = p[:32<<10]
	}
	return c.r.Read(p)
}

// ctxWriter fails once ctx is done, which stops an encoder between writes.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// fit returns w×h scaled down to fit side×side, keeping the aspect ratio and
// never scaling up.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		nh := int((int64(h)*int64(side) + int64(w)/2) / int64(w))
		return side, max(nh, 1)
	}
	nw := int((int64(w)*int64(side) + int64(h)/2) / int64(h))
	return max(nw, 1), side
}

func scale(src image.Image, w, h int) image.Image {
	// RGBA is premultiplied, which is the space where filtering is correct
	// for transparent edges (no dark fringes around cut-outs).
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func encode(ctx context.Context, img image.Image, opaque bool) (string, []byte, error) {
	var buf bytes.Buffer
	w := ctxWriter{ctx, &buf}
	if opaque {
		if err := jpeg.Encode(w, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return "", nil, err
		}
		return "image/jpeg", buf.Bytes(), nil
	}
	if err := png.Encode(w, img); err != nil {
		return "", nil, err
	}
	return "image/png", buf.Bytes(), nil
}

// isOpaque reports whether every pixel is fully opaque. The image types
// decoded here all implement Opaque, which scans the alpha channel (or, for
// paletted images, the palette entries actually used).
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	switch img.ColorModel() {
	case color.GrayModel, color.Gray16Model, color.YCbCrModel, color.CMYKModel:
		return true
	}
	return false
}
