package document

import (
	"bytes"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func sample() Certificate {
	return Certificate{
		SiteName:  "Weaverse",
		Kind:      KindCourse,
		Holder:    "김하늘",
		Title:     "데이터 분석을 위한 파이썬 실전 입문",
		IssuedAt:  time.Date(2026, 12, 6, 16, 30, 0, 0, time.UTC), // 7 December in KST
		Serial:    "WV-7K3M-Q9XP-2B4D-HJ6R",
		VerifyURL: "https://weaverse.kr/certificates/verify/WV-7K3M-Q9XP-2B4D-HJ6R",
		Credits:   3,
		Score:     "중간 미션 90점 · 기말 미션 95점",
		Hours:     24,
		Issuer:    "Weaverse 교육팀",
	}
}

// poppler runs a poppler-utils tool, skipping the test when it is absent.
func poppler(t *testing.T, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s (poppler-utils) is not installed: apt-get install poppler-utils", tool)
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
	return string(out)
}

func render(t *testing.T, c Certificate, l Labels) string {
	t.Helper()
	b, err := Render(c, l)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cert.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// text is the page's text in drawing order (-raw: the diagonal watermark
// stays one line), with runs of white space made one space.
func text(t *testing.T, path string) string {
	return strings.Join(strings.Fields(poppler(t, "pdftotext", "-raw", path, "-")), " ")
}

// onePageA4Landscape checks pdfinfo's page count and size.
func onePageA4Landscape(t *testing.T, path string) {
	t.Helper()
	info := poppler(t, "pdfinfo", path)
	if !regexp.MustCompile(`(?m)^Pages:\s+1$`).MatchString(info) {
		t.Errorf("not one page:\n%s", info)
	}
	m := regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no page size:\n%s", info)
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	if int(w+0.5) != 842 || int(h+0.5) != 595 {
		t.Errorf("page is %v x %v pts, want A4 landscape 842 x 595", w, h)
	}
}

// wordsInside checks with pdftotext -bbox that every word lies inside the
// inner frame, and returns the words.
func wordsInside(t *testing.T, path string) []string {
	t.Helper()
	out := poppler(t, "pdftotext", "-bbox", path, "-")
	re := regexp.MustCompile(`<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>`)
	const k = 72 / 25.4 // points per mm
	lo, hiX, hiY := frameInner*k, (pageW-frameInner)*k, (pageH-frameInner)*k
	var words []string
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		var v [4]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		if v[0] < lo || v[1] < lo || v[2] > hiX || v[3] > hiY {
			t.Errorf("word %q at %v is outside the frame", m[5], v)
		}
		words = append(words, m[5])
	}
	if len(words) == 0 {
		t.Fatalf("no words in\n%s", out)
	}
	return words
}

func TestKoreanText(t *testing.T) {
	t.Parallel()
	c := sample()
	path := render(t, c, KoreanLabels())
	onePageA4Landscape(t, path)
	wordsInside(t, path)
	got := text(t, path)
	for _, want := range []string{"Weaverse", "수 료 증", "김하늘", c.Title, c.Serial, "2026년 12월 7일",
		"3학점", "24시간", c.Score, "Weaverse 교육팀", "이수하였기에", "진위 확인: weaverse.kr/certificates/verify/" + c.Serial} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "REVOKED") {
		t.Errorf("a valid certificate says REVOKED:\n%s", got)
	}
}

func TestOptionalLinesAreLeftOut(t *testing.T) {
	t.Parallel()
	c := sample()
	c.Credits, c.Hours, c.Score = 0, 0, ""
	got := text(t, render(t, c, KoreanLabels()))
	for _, no := range []string{"학점", "학습 시간", "미션"} {
		if strings.Contains(got, no) {
			t.Errorf("%q shown without a value:\n%s", no, got)
		}
	}
}

func TestCurriculum(t *testing.T) {
	t.Parallel()
	c := sample()
	c.Kind, c.Title = KindCurriculum, "풀스택 웹 개발자 나노디그리"
	got := text(t, render(t, c, KoreanLabels()))
	for _, want := range []string{"나노디그리 수료증", c.Title, "나노디그리의 모든 과정을"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

func TestEnglish(t *testing.T) {
	t.Parallel()
	c := sample()
	c.Holder, c.Title, c.Score, c.Issuer = "Haneul Kim", "Practical Python for Data Analysis", "Midterm 90 · Final 95", "Weaverse Education Team"
	path := render(t, c, EnglishLabels())
	onePageA4Landscape(t, path)
	wordsInside(t, path)
	got := text(t, path)
	for _, want := range []string{"Certificate of Completion", "This is to certify that", "Haneul Kim", c.Title,
		"December 7, 2026", "Credits 3", c.Serial, "Verify: weaverse.kr/"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// Long text shrinks and wraps: still one page, nothing outside the frame.
// A 200-syllable title and a long name are shown whole; a longer score line
// and issuer are cut.
func TestLongTextFits(t *testing.T) {
	t.Parallel()
	c := sample()
	var title strings.Builder
	for i := range 200 { // 200 Hangul syllables, with a space now and then
		title.WriteRune('가' + rune(i*37%11172))
		if i%9 == 8 {
			title.WriteByte(' ')
		}
	}
	c.Title = title.String()
	c.Holder = "남궁 하늘빛 아름다운 별이 빛나는 밤에 태어난 김씨 가문의 장녀 Alexandria Catherine Montgomery-Windsor"
	c.Score = strings.Repeat("중간 미션 90점 · ", 20)
	c.Issuer = strings.Repeat("Weaverse 교육팀 ", 10)
	c.Revoked = true
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, l := range []Labels{KoreanLabels(), EnglishLabels()} {
		path := render(t, c, l)
		onePageA4Landscape(t, path)
		wordsInside(t, path)
		got := squeeze(text(t, path))
		for _, want := range []string{c.Title, c.Holder, c.Serial, "중간미션90점", "Weaverse교육팀"} {
			if !strings.Contains(got, squeeze(want)) {
				t.Errorf("no %q in\n%s", want, got)
			}
		}
	}
}

func TestRevokedWatermark(t *testing.T) {
	t.Parallel()
	c := sample()
	c.Revoked = true
	got := text(t, render(t, c, KoreanLabels()))
	for _, want := range []string{"REVOKED", "취소됨"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// The QR code, read back from the rasterised page, is the verify URL, a
// long one too (a denser code in the same 30 mm).
func TestQRCodeDecodes(t *testing.T) {
	t.Parallel()
	long := "https://weaverse.kr/certificates/verify/" + strings.Repeat("WV-7K3M-Q9XP-2B4D-HJ6R/", 6)
	for i, l := range []Labels{KoreanLabels(), EnglishLabels()} {
		c := sample()
		if i == 1 {
			c.VerifyURL = long
		}
		path := render(t, c, l)
		prefix := filepath.Join(filepath.Dir(path), "page")
		poppler(t, "pdftoppm", "-r", "150", "-png", "-singlefile", path, prefix)
		if got := decodeQR(t, prefix+".png"); got != c.VerifyURL {
			t.Errorf("QR code is %q, want %q", got, c.VerifyURL)
		}
	}
}

// decodeQR reads the QR code in the whole page image.
func decodeQR(t *testing.T, path string) string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	img, _, err := image.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code found in the page (%v): %s", err, path)
	}
	return res.GetText()
}

// The same certificate gives the same bytes: twice in a row, at once from
// several goroutines, and with IssuedAt in another time zone.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	c := sample()
	c.Revoked = true
	first, err := Render(c, KoreanLabels())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(first, []byte("/CreationDate (D:20261206163000)")) || !bytes.Contains(first, []byte("/ModDate (D:20261206163000)")) {
		t.Errorf("the dates are not IssuedAt in UTC")
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			c := c
			if i%2 == 1 {
				c.IssuedAt = c.IssuedAt.In(time.FixedZone("PST", -8*60*60))
			}
			again, err := Render(c, KoreanLabels())
			if err != nil {
				t.Error(err)
			} else if !bytes.Equal(first, again) {
				t.Errorf("rendering %d differs from the first", i)
			}
		})
	}
	wg.Wait()
	time.Sleep(1100 * time.Millisecond) // a clock-stamped field would change now
	again, _ := Render(c, KoreanLabels())
	if !bytes.Equal(first, again) {
		t.Error("a rendering a second later differs")
	}
}

func TestRequired(t *testing.T) {
	t.Parallel()
	for name, blank := range map[string]func(*Certificate){
		"Holder":    func(c *Certificate) { c.Holder = " " },
		"Title":     func(c *Certificate) { c.Title = "" },
		"IssuedAt":  func(c *Certificate) { c.IssuedAt = time.Time{} },
		"Serial":    func(c *Certificate) { c.Serial = "" },
		"VerifyURL": func(c *Certificate) { c.VerifyURL = "" },
	} {
		c := sample()
		blank(&c)
		if _, err := Render(c, KoreanLabels()); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: error %v", name, err)
		}
	}
}

// TestSample writes the sample certificate as PDF and PNG to
// $CERT_SAMPLE_DIR, to look at: CERT_SAMPLE_DIR=/tmp go test -run Sample.
func TestSample(t *testing.T) {
	dir := os.Getenv("CERT_SAMPLE_DIR")
	if dir == "" {
		t.Skip("CERT_SAMPLE_DIR is not set")
	}
	for name, l := range map[string]Labels{"cert-sample": KoreanLabels(), "cert-sample-en": EnglishLabels()} {
		c := sample()
		if l.Lang == "en" {
			c.Holder, c.Title, c.Score, c.Issuer = "Haneul Kim", "Practical Python for Data Analysis", "Midterm 90 · Final 95", "Weaverse Education Team"
		}
		b, err := Render(c, l)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".pdf")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		poppler(t, "pdftoppm", "-r", "100", "-png", "-singlefile", path, filepath.Join(dir, name))
	}
}

// BenchmarkRender: one certificate PDF (Korean, QR code, font subset).
func BenchmarkRender(b *testing.B) {
	c, l := sample(), KoreanLabels()
	for b.Loop() {
		if _, err := Render(c, l); err != nil {
			b.Fatal(err)
		}
	}
}
