package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
)

var (
	red  = color.NRGBA{255, 0, 0, 255}
	blue = color.NRGBA{0, 0, 255, 255}
	none = color.NRGBA{0, 0, 0, 0}
)

// halves returns a w×h image whose left half is left and right half is right.
func halves(w, h int, left, right color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < w/2 {
				m.SetNRGBA(x, y, left)
			} else {
				m.SetNRGBA(x, y, right)
			}
		}
	}
	return m
}

func encJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// twoFrameGIF has a red first frame and a blue second frame.
func twoFrameGIF(t testing.TB, transparent bool) []byte {
	t.Helper()
	pal := color.Palette{red, blue, none}
	f1 := image.NewPaletted(image.Rect(0, 0, 16, 8), pal) // all index 0: red
	if transparent {
		f1.SetColorIndex(0, 0, 2)
	}
	f2 := image.NewPaletted(image.Rect(0, 0, 16, 8), pal)
	for i := range f2.Pix {
		f2.Pix[i] = 1
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// near reports whether c is within tol of want on each channel (JPEG is lossy).
func near(c color.Color, want color.NRGBA, tol int) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(a, b uint8) bool { x := int(a) - int(b); return x <= tol && x >= -tol }
	return d(n.R, want.R) && d(n.G, want.G) && d(n.B, want.B) && d(n.A, want.A)
}

func decodeVariant(t *testing.T, v Variant) image.Image {
	t.Helper()
	m, format, err := image.Decode(bytes.NewReader(v.Data))
	if err != nil {
		t.Fatalf("%s: output does not decode: %v", v.Name, err)
	}
	if "image/"+format != v.ContentType {
		t.Fatalf("%s: content type %s but data is %s", v.Name, v.ContentType, format)
	}
	if m.Bounds().Dx() != v.Width || m.Bounds().Dy() != v.Height {
		t.Fatalf("%s: says %d×%d, is %v", v.Name, v.Width, v.Height, m.Bounds())
	}
	return m
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"\xff\xd8\xff\xe0", JPEG},
		{"\x89PNG\r\n\x1a\n....", PNG},
		{"GIF87a", GIF},
		{"GIF89a", GIF},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", WebP},
		{"RIFF\x00\x00\x00\x00AVI ", ""},
		{"<svg xmlns='http://www.w3.org/2000/svg'/>", ""},
		{"\x00\x00\x00\x18ftypheic", ""},
		{"", ""},
	} {
		got, err := Sniff([]byte(tc.in))
		if got != tc.want || (tc.want == "") != errors.Is(err, ErrUnsupported) {
			t.Errorf("Sniff(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// Only the first 512 bytes count: a signature further in is not a type.
	late := append(bytes.Repeat([]byte("x"), 600), "\x89PNG\r\n\x1a\n"...)
	if _, err := Sniff(late); !errors.Is(err, ErrUnsupported) {
		t.Errorf("signature after 512 bytes accepted: %v", err)
	}
}

func TestProcessFormats(t *testing.T) {
	alpha := halves(30, 20, red, none)
	for _, tc := range []struct {
		name       string
		data       []byte
		format     string
		w, h       int
		outType    string
		topLeft    color.NRGBA
		jpegLossy  bool
		checkColor bool
	}{
		{"jpeg", encJPEG(t, halves(30, 20, red, blue)), JPEG, 30, 20, "image/jpeg", red, true, true},
		{"png opaque", encPNG(t, halves(30, 20, red, blue)), PNG, 30, 20, "image/jpeg", red, true, true},
		{"png alpha", encPNG(t, alpha), PNG, 30, 20, "image/png", red, false, true},
		{"gif first frame", twoFrameGIF(t, false), GIF, 16, 8, "image/jpeg", red, true, true},
		{"gif transparent", twoFrameGIF(t, true), GIF, 16, 8, "image/png", none, false, true},
		{"webp lossy", fixture(t, "red-8x8.webp"), WebP, 8, 8, "image/jpeg", red, true, true},
		{"webp lossless alpha", fixture(t, "alpha-8x8.webp"), WebP, 8, 8, "image/png", color.NRGBA{255, 0, 0, 128}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Process(bytes.NewReader(tc.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tc.format || res.Width != tc.w || res.Height != tc.h {
				t.Fatalf("got %s %d×%d, want %s %d×%d", res.Format, res.Width, res.Height, tc.format, tc.w, tc.h)
			}
			if len(res.Variants) != 3 {
				t.Fatalf("%d variants", len(res.Variants))
			}
			for i, name := range []string{"original", "display", "thumbnail"} {
				v := res.Variants[i]
				if v.Name != name || v.ContentType != tc.outType || v.Width != tc.w || v.Height != tc.h {
					t.Fatalf("variant %d = %s %s %d×%d; want %s %s %d×%d (small images are never upscaled)",
						i, v.Name, v.ContentType, v.Width, v.Height, name, tc.outType, tc.w, tc.h)
				}
				m := decodeVariant(t, v)
				tol := 1
				if tc.jpegLossy {
					tol = 40
				}
				if tc.checkColor && !near(m.At(0, 0), tc.topLeft, tol) {
					t.Fatalf("%s: top-left pixel %v, want ≈ %v", name, m.At(0, 0), tc.topLeft)
				}
			}
		})
	}
}

func TestVariantSizes(t *testing.T) {
	big := encPNG(t, halves(3000, 1500, red, blue))
	for _, tc := range []struct {
		name   string
		data   []byte
		limits Limits
		sizes  [3][2]int
	}{
		{"landscape", big, Limits{}, [3][2]int{{3000, 1500}, {1280, 640}, {320, 160}}},
		{"original capped by MaxSide", big, Limits{MaxSide: 2000}, [3][2]int{{2000, 1000}, {1280, 640}, {320, 160}}},
		{"portrait", encJPEG(t, halves(500, 1000, red, blue)), Limits{}, [3][2]int{{500, 1000}, {500, 1000}, {160, 320}}},
		{"thin strip keeps a pixel", encPNG(t, halves(4000, 2, red, blue)), Limits{}, [3][2]int{{4000, 2}, {1280, 1}, {320, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Process(bytes.NewReader(tc.data), tc.limits)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range res.Variants {
				if v.Width != tc.sizes[i][0] || v.Height != tc.sizes[i][1] {
					t.Errorf("%s is %d×%d, want %v", v.Name, v.Width, v.Height, tc.sizes[i])
				}
				m := decodeVariant(t, v)
				// The left half stays red after scaling.
				if v.Width >= 8 && !near(m.At(1, v.Height/2), red, 40) {
					t.Errorf("%s: left pixel %v is not red", v.Name, m.At(1, v.Height/2))
				}
			}
		})
	}
}

func TestTextNamedJPGIsUnsupported(t *testing.T) {
	// The name a client gives ("holiday.jpg") is never consulted, so the
	// content is all there is to go on.
	_, err := Process(bytes.NewReader([]byte("this is not a picture, whatever its name says\n")), Limits{})
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, apperr.Unsupported) {
		t.Fatalf("err = %v, want ErrUnsupported (and apperr.Unsupported)", err)
	}
}

type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	c.n += int64(len(p))
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	data := encPNG(t, halves(64, 64, red, blue))
	_, err := Process(bytes.NewReader(data), Limits{MaxBytes: int64(len(data)) - 1})
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, apperr.TooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if _, err := Process(bytes.NewReader(data), Limits{MaxBytes: int64(len(data))}); err != nil {
		t.Fatalf("exactly MaxBytes must pass: %v", err)
	}
	// An endless stream is cut after MaxBytes+1 bytes, not drained.
	var cr countingReader
	_, err = Process(io.LimitReader(&cr, 1<<40), Limits{MaxBytes: 1000})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if cr.n > 1001 {
		t.Fatalf("read %d bytes with MaxBytes 1000", cr.n)
	}
}

// bombPNG is a valid PNG signature and IHDR (with a correct CRC) claiming
// w×h RGB pixels, followed by a tiny IDAT and IEND. Decoding it for real
// would need w*h*4 bytes.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		td := append([]byte(typ), data...)
		b.Write(td)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(td))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestDecompressionBombRefusedBeforeDecoding(t *testing.T) {
	data := bombPNG(100000, 100000)
	if _, err := png.DecodeConfig(bytes.NewReader(data)); err != nil {
		t.Fatalf("fixture header is not valid PNG: %v", err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Process(bytes.NewReader(data), Limits{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("err = %v, want ErrTooManyPixels", err)
	}
	// TotalAlloc only grows, so GC cannot hide an allocation. 40 GB would be
	// the decode; reading the header costs a few KB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("allocated %d bytes while refusing a bomb", grew)
	}
}

// app1Exif builds an APP1 Exif segment with IFD0 = {Orientation, GPSInfo}
// and a GPS IFD with a latitude reference, plus a marker string after it.
func app1Exif(orientation uint16, marker string) []byte {
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	// IFD0 at 8: 2 entries, next IFD = 0.
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint16(tiff, 0x0112) // Orientation
	tiff = le.AppendUint16(tiff, 3)      // SHORT
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint16(tiff, orientation)
	tiff = le.AppendUint16(tiff, 0)
	gpsIFD := uint32(8 + 2 + 2*12 + 4)
	tiff = le.AppendUint16(tiff, 0x8825) // GPSInfo pointer
	tiff = le.AppendUint16(tiff, 4)      // LONG
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, gpsIFD)
	tiff = le.AppendUint32(tiff, 0)
	// GPS IFD: GPSLatitudeRef = "N".
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, 0x0001)
	tiff = le.AppendUint16(tiff, 2) // ASCII
	tiff = le.AppendUint32(tiff, 2)
	tiff = append(tiff, 'N', 0, 0, 0)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, marker...)
	return segment(0xe1, append([]byte("Exif\x00\x00"), tiff...))
}

func segment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// withSegments inserts segments right after the JPEG SOI marker.
func withSegments(j []byte, segs ...[]byte) []byte {
	out := append([]byte{}, j[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, j[2:]...)
}

func TestMetadataIsStripped(t *testing.T) {
	secrets := []string{"Exif\x00\x00", "GPSLatitude=37.5665N", "http://ns.adobe.com/xap/1.0/", "xmp-secret", "comment-secret", "ICC_PROFILE"}
	j := withSegments(encJPEG(t, halves(1600, 40, red, blue)),
		app1Exif(1, "GPSLatitude=37.5665N"),
		segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>xmp-secret</x:xmpmeta>")),
		segment(0xe2, []byte("ICC_PROFILE\x00\x01\x01fake-profile")),
		segment(0xfe, []byte("comment-secret")),
	)
	for _, s := range secrets {
		if !bytes.Contains(j, []byte(s)) {
			t.Fatalf("fixture lacks %q", s)
		}
	}
	res, err := Process(bytes.NewReader(j), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Variants {
		for _, s := range secrets {
			if bytes.Contains(v.Data, []byte(s)) {
				t.Errorf("%s still contains %q", v.Name, s)
			}
		}
		if bytes.Contains(v.Data, []byte("GPS")) {
			t.Errorf("%s contains GPS bytes", v.Name)
		}
	}
}

func TestEXIFOrientation(t *testing.T) {
	// 40×20, left half red, right half blue, as the sensor stored it.
	raw := encJPEG(t, halves(40, 20, red, blue))
	for _, tc := range []struct {
		o                          uint16
		w, h                       int
		first, second              color.NRGBA // colours at the two probe points
		firstX, firstY, secX, secY int
	}{
		{1, 40, 20, red, blue, 5, 10, 35, 10},
		{6, 20, 40, red, blue, 10, 5, 10, 35}, // 90° clockwise: left → top
		{8, 20, 40, blue, red, 10, 5, 10, 35}, // 90° counter-clockwise: left → bottom
		{3, 40, 20, blue, red, 5, 10, 35, 10}, // 180°
		{2, 40, 20, blue, red, 5, 10, 35, 10}, // mirrored
		{5, 20, 40, red, blue, 10, 5, 10, 35}, // transposed
		{7, 20, 40, blue, red, 10, 5, 10, 35}, // transversed
		{4, 40, 20, red, blue, 5, 10, 35, 10}, // flipped vertically: halves unchanged
		{9, 40, 20, red, blue, 5, 10, 35, 10}, // invalid value: ignored
	} {
		res, err := Process(bytes.NewReader(withSegments(raw, app1Exif(tc.o, ""))), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Width != tc.w || res.Height != tc.h {
			t.Errorf("orientation %d: %d×%d, want %d×%d", tc.o, res.Width, res.Height, tc.w, tc.h)
			continue
		}
		m := decodeVariant(t, res.Variants[0])
		if !near(m.At(tc.firstX, tc.firstY), tc.first, 40) || !near(m.At(tc.secX, tc.secY), tc.second, 40) {
			t.Errorf("orientation %d: got %v / %v, want %v / %v", tc.o,
				m.At(tc.firstX, tc.firstY), m.At(tc.secX, tc.secY), tc.first, tc.second)
		}
	}
}

func TestTruncatedIsCorrupt(t *testing.T) {
	for name, data := range map[string][]byte{
		"jpeg": encJPEG(t, halves(64, 64, red, blue)),
		"png":  encPNG(t, halves(64, 64, red, blue)),
		"gif":  twoFrameGIF(t, false),
		"webp": fixture(t, "red-8x8.webp"),
	} {
		for _, cut := range []int{len(data) / 2, 20} {
			_, err := Process(bytes.NewReader(data[:cut]), Limits{})
			if !errors.Is(err, ErrCorrupt) || !errors.Is(err, apperr.Invalid) {
				t.Errorf("%s cut at %d: err = %v, want ErrCorrupt", name, cut, err)
			}
		}
	}
}

// FuzzProcess: whatever the bytes, Process returns (never panics), every
// failure is one of the four sentinels, every success is well-formed, and the
// limits keep each call short.
func FuzzProcess(f *testing.F) {
	f.Add(encJPEG(f, halves(16, 8, red, blue)))
	f.Add(withSegments(encJPEG(f, halves(16, 8, red, blue)), app1Exif(6, "GPS")))
	f.Add(encPNG(f, halves(16, 8, red, none)))
	f.Add(twoFrameGIF(f, true))
	f.Add(fixture(f, "red-8x8.webp"))
	f.Add(fixture(f, "alpha-8x8.webp"))
	f.Add(bombPNG(5000, 5000))
	f.Add([]byte("GIF89a"))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8X"))
	limits := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 512}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		res, err := Process(bytes.NewReader(data), limits)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrCorrupt) &&
				!errors.Is(err, ErrTooManyPixels) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if len(res.Variants) != 3 {
			t.Fatalf("%d variants", len(res.Variants))
		}
		for _, v := range res.Variants {
			if v.Width < 1 || v.Height < 1 || v.Width > 512 || v.Height > 512 || len(v.Data) == 0 {
				t.Fatalf("bad variant %s %d×%d (%d bytes)", v.Name, v.Width, v.Height, len(v.Data))
			}
		}
	})
}

func TestGIFFrameSmallerThanScreen(t *testing.T) {
	// The first frame covers only the middle of a 16×8 logical screen; the
	// rest is what a browser shows: nothing (transparent).
	pal := color.Palette{red, blue}
	f := image.NewPaletted(image.Rect(4, 2, 12, 6), pal)
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{f}, Delay: []int{0},
		Config: image.Config{ColorModel: pal, Width: 16, Height: 8}}); err != nil {
		t.Fatal(err)
	}
	res, err := Process(&b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Variants[0]
	if res.Width != 16 || res.Height != 8 || v.ContentType != "image/png" {
		t.Fatalf("got %d×%d %s", res.Width, res.Height, v.ContentType)
	}
	m := decodeVariant(t, v)
	if !near(m.At(0, 0), none, 0) || !near(m.At(5, 3), red, 0) {
		t.Fatalf("corner %v, inside %v", m.At(0, 0), m.At(5, 3))
	}
}

// A few bytes whose header happens to declare a huge picture are a broken
// file, not a too-large one: only a file that holds image data is refused
// for its size.
func TestHeaderWithoutImageIsCorruptNotTooLarge(t *testing.T) {
	gifBomb := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00" + // 65535×65535, no colour table
		"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00" + // a 1×1 image at 0,0
		"\x02\x02\x44\x01\x00" + // LZW data
		"\x3b")
	truncated := bombPNG(100000, 100000)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"text after GIF magic", []byte("GIF89a but not really"), ErrCorrupt},
		{"PNG header only", truncated[:33], ErrCorrupt},
		{"PNG without IEND", truncated[:len(truncated)-12], ErrCorrupt},
		{"JPEG without scan", []byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"), ErrCorrupt},
		{"PNG bomb", truncated, ErrTooManyPixels},
		{"GIF bomb", gifBomb, ErrTooManyPixels},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Process(bytes.NewReader(tc.data), Limits{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// The decode cost counts the bytes of a decoded pixel, which the header
// tells: a 16-bit RGBA PNG takes 8 bytes a pixel, not the 4 a megapixel
// limit assumes.
func TestInspectBytesPerPixel(t *testing.T) {
	enc := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	r := image.Rect(0, 0, 30, 20)
	for _, tc := range []struct {
		name string
		data []byte
		bpp  int
	}{
		{"16-bit RGBA PNG", enc(image.NewNRGBA64(r)), 8},
		{"8-bit RGBA PNG", enc(image.NewNRGBA(r)), 4},
		{"8-bit grey PNG", enc(image.NewGray(r)), 1},
		{"JPEG", encJPEG(t, halves(30, 20, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255})), 3},
	} {
		h, err := Inspect(tc.data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h.BytesPerPixel != tc.bpp || h.Width != 30 || h.Height != 20 {
			t.Errorf("%s: %+v, want %d bytes a pixel", tc.name, h, tc.bpp)
		}
		if want := int64(30 * 20 * (2*tc.bpp + 4)); h.Cost() != want {
			t.Errorf("%s: cost %d, want %d", tc.name, h.Cost(), want)
		}
	}
}

// A cancelled context stops the work: before decoding, and inside the
// decoder (its reads fail).
func TestProcessContextCancelled(t *testing.T) {
	data := encJPEG(t, halves(400, 300, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ProcessContext(ctx, data, Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	reads := 0
	r := ctxReader{ctx, readerFunc(func(p []byte) (int, error) {
		if reads++; reads == 2 {
			cancel() // the client goes away while the decoder reads
		}
		return bytes.NewReader(data[min(len(data), (reads-1)*64):]).Read(p[:min(len(p), 64)])
	})}
	if _, err := safeDecode(codecs[JPEG].decode, r); err == nil || ctx.Err() == nil {
		t.Fatalf("decode after cancel: %v", err)
	}
	if _, err := ProcessContext(context.Background(), data, Limits{}); err != nil {
		t.Fatalf("the same image without cancel: %v", err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A progressive JPEG costs more than its frame: image/jpeg keeps every
// component's coefficients, 4 bytes a pixel at full resolution, between
// scans. The fixtures were made with cjpeg -progressive.
func TestInspectProgressiveJPEGScanBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		scan int64
	}{
		// 30×20: 4×3 blocks of 8×8 for each full-resolution component,
		// 256 bytes a block.
		{"4:4:4", fixture(t, "prog-444.jpg"), 3 * 12 * 256},
		// 2×2 MCUs of 16×16: 16 luma blocks and 4 for each chroma.
		{"4:2:0", fixture(t, "prog-420.jpg"), 24 * 256},
		{"grey", fixture(t, "prog-grey.jpg"), 12 * 256},
		{"baseline", encJPEG(t, halves(30, 20, red, blue)), 0},
	} {
		h, err := Inspect(tc.data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h.ScanBytes != tc.scan {
			t.Errorf("%s: scan bytes %d, want %d", tc.name, h.ScanBytes, tc.scan)
		}
		if want := int64(30*20*(2*h.BytesPerPixel+4)) + tc.scan; h.Cost() != want {
			t.Errorf("%s: cost %d, want %d", tc.name, h.Cost(), want)
		}
	}

	// What the decoder really allocates for a 512×512 progressive JPEG is
	// covered by the frame and the scan bytes the header announced.
	data := fixture(t, "prog-444-512.jpg")
	h, err := Inspect(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := int64(after.TotalAlloc - before.TotalAlloc)
	frame := int64(h.Width * h.Height * h.BytesPerPixel)
	const slack = 64 << 10 // decoder state, Huffman tables, reader buffers
	if allocated > frame+h.ScanBytes+slack {
		t.Errorf("jpeg.Decode allocated %d bytes; header announced a %d-byte frame and %d scan bytes", allocated, frame, h.ScanBytes)
	}
	if _, err := Process(bytes.NewReader(data), Limits{}); err != nil {
		t.Fatalf("progressive JPEG does not process: %v", err)
	}
}
