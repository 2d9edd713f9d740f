// Package document draws a certificate of completion as a one-page A4
// landscape PDF: a double frame, the platform's logo drawn as vectors, the
// holder's name, the course (or nano-degree) title, the date, credits and
// score, the issuer's signature line and a QR code pointing at the
// verification page. It knows nothing of the database or of locales: the
// caller passes a Certificate and the Labels of one language.
//
// The output is deterministic: the same Certificate and Labels give the same
// bytes (the PDF's dates are IssuedAt, resource catalogs are sorted, the QR
// code is drawn as vectors), so a stored hash of a certificate stays valid.
package document

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"github.com/weaverse/weaverse/platform/pdf"
)

// Kinds of certificate.
const (
	KindCourse     = "course"
	KindCurriculum = "curriculum" // a nano-degree: a series of courses
)

// Certificate is what one certificate shows. Holder, Title, IssuedAt,
// Serial and VerifyURL are required; a Kind other than KindCurriculum is a
// course.
type Certificate struct {
	SiteName  string    // the platform's name, next to the logo: "Weaverse"
	Kind      string    // KindCourse or KindCurriculum
	Holder    string    // the holder's name: "김하늘"
	Title     string    // the course or curriculum title; long titles wrap and shrink
	IssuedAt  time.Time // shown as a date in KST; also the PDF's creation date
	Serial    string    // "WV-7K3M-Q9XP-2B4D-HJ6R"
	VerifyURL string    // the QR code and the printed short URL point here
	Credits   int       // 0: not shown
	Score     string    // optional line: "중간 미션 90점 · 기말 미션 95점"
	Hours     int       // learning hours; 0: not shown
	Issuer    string    // above the signature line: "Weaverse 교육팀"
	Revoked   bool      // draws a diagonal Labels.Revoked watermark
}

// Labels are the document's fixed words in one language. Values marked
// {n} have the number put in place of "{n}".
type Labels struct {
	Lang            string // the PDF's language tag: "ko", "en"
	Title           string // the heading of a course certificate: "수 료 증"
	CurriculumTitle string // the heading of a nano-degree certificate
	Intro           string // the small line above the holder's name
	Course          string // the small line above a course title
	Curriculum      string // the small line above a curriculum title
	Body            string // the sentence under a course title
	CurriculumBody  string // the sentence under a curriculum title
	DateLayout      string // a Go time layout: "2006년 1월 2일", "January 2, 2006"
	Date            string // label of the date of issue
	Credits         string // label of the credits
	CreditsValue    string // {n}: "{n}학점"
	Hours           string // label of the learning hours
	HoursValue      string // {n}: "{n}시간"
	Serial          string // label of the serial number
	Verify          string // label of the short URL under the QR code
	Issuer          string // the small word under the signature line
	Revoked         string // the watermark of a revoked certificate
}

// KoreanLabels are the Korean words, for callers without locale files.
func KoreanLabels() Labels {
	return Labels{
		Lang:            "ko",
		Title:           "수 료 증",
		CurriculumTitle: "나노디그리 수료증",
		Intro:           "성명",
		Course:          "과정명",
		Curriculum:      "나노디그리 과정",
		Body:            "위 사람은 위 과정을 성실히 이수하였기에 이 증서를 수여합니다.",
		CurriculumBody:  "위 사람은 위 나노디그리의 모든 과정을 성실히 이수하였기에 이 증서를 수여합니다.",
		DateLayout:      "2006년 1월 2일",
		Date:            "발급일",
		Credits:         "이수 학점",
		CreditsValue:    "{n}학점",
		Hours:           "학습 시간",
		HoursValue:      "{n}시간",
		Serial:          "증서 번호",
		Verify:          "진위 확인",
		Issuer:          "발급",
		Revoked:         "REVOKED / 취소됨",
	}
}

// EnglishLabels are the English words, for callers without locale files.
func EnglishLabels() Labels {
	return Labels{
		Lang:            "en",
		Title:           "Certificate of Completion",
		CurriculumTitle: "Nano-degree Certificate",
		Intro:           "This is to certify that",
		Course:          "has successfully completed the course",
		Curriculum:      "has successfully completed every course of the nano-degree",
		Body:            "and is awarded this certificate in recognition of diligent study.",
		CurriculumBody:  "and is awarded this certificate in recognition of diligent study.",
		DateLayout:      "January 2, 2006",
		Date:            "Date of issue",
		Credits:         "Credits",
		CreditsValue:    "{n}",
		Hours:           "Learning hours",
		HoursValue:      "{n}",
		Serial:          "Certificate No.",
		Verify:          "Verify",
		Issuer:          "Issued by",
		Revoked:         "REVOKED",
	}
}

// kst is Korea Standard Time; a fixed zone, so no tzdata is needed.
var kst = time.FixedZone("KST", 9*60*60)

// Page geometry in millimetres (A4 landscape).
const (
	pageW, pageH = 297.0, 210.0
	frameOuter   = 9.0  // inset of the thick outer frame
	frameInner   = 12.5 // inset of the thin inner frame
	contentW     = 205.0
	qrSize       = 30.0
	mmPerPt      = 25.4 / 72
)

type rgb struct{ r, g, b int }

var (
	brand = rgb{79, 70, 229}   // #4f46e5
	gold  = rgb{176, 141, 87}  // accents
	ink   = rgb{31, 41, 55}    // text
	muted = rgb{107, 114, 128} // small labels
	red   = rgb{220, 38, 38}   // the revoked watermark
	paper = rgb{253, 251, 245} // ivory
)

// Render draws c with the words of l and returns the PDF.
func Render(c Certificate, l Labels) ([]byte, error) {
	for _, req := range []struct {
		name    string
		missing bool
	}{
		{"Holder", strings.TrimSpace(c.Holder) == ""}, {"Title", strings.TrimSpace(c.Title) == ""},
		{"IssuedAt", c.IssuedAt.IsZero()}, {"Serial", c.Serial == ""}, {"VerifyURL", c.VerifyURL == ""},
	} {
		if req.missing {
			return nil, fmt.Errorf("document: %s is required", req.name)
		}
	}
	qr, err := qrcode.New(c.VerifyURL, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("document: QR code: %w", err)
	}
	qr.DisableBorder = true // the page around it is the quiet zone

	heading, above, body := l.Title, l.Course, l.Body
	if c.Kind == KindCurriculum {
		heading, above, body = l.CurriculumTitle, l.Curriculum, l.CurriculumBody
	}
	issued := c.IssuedAt.In(kst)

	// The PDF's dates are IssuedAt in UTC: fpdf writes them without an offset.
	d := pdf.New("L", strings.TrimSpace(heading+" — "+c.Holder), c.IssuedAt.UTC())
	f := d.Fpdf()
	// Everything else that could vary between two renderings: the
	// modification date (now by default) and the order of resources
	// (map order by default).
	f.SetModificationDate(c.IssuedAt.UTC())
	f.SetCatalogSort(true)
	f.SetSubject(c.Title, true)
	f.SetAuthor(c.Issuer, true)
	if l.Lang != "" {
		f.SetLang(l.Lang)
	}
	f.SetAutoPageBreak(false, 0) // absolute positions: never a second page
	f.SetCellMargin(0)
	p := page{f}

	p.frame()

	// Header: logo and site name, centred together.
	const logo = 9.0
	p.font(13, brand)
	site := p.fitOne(c.SiteName, 13, 9, 120)
	w := logo + 3 + f.GetStringWidth(site)
	x := (pageW - w) / 2
	p.logo(x, 21, logo)
	p.cell(x+logo+3, 21, 120, logo, "L", site)

	// Heading and its ornament.
	p.font(32, ink)
	heading = p.fitOne(heading, 32, 20, contentW)
	p.bold(func() { p.cell(0, 36, pageW, 14, "C", heading) })
	p.ornament(55)

	// The holder.
	p.font(10, muted)
	p.cell(0, 62, pageW, 5, "C", p.fitOne(l.Intro, 10, 7, contentW))
	p.block(c.Holder, 67.5, 14, contentW, 28, 12, 2, ink, true)
	p.rule(pageW/2-45, 82.5, 90, gold, 0.3)

	// The course: up to four lines, shrinking before it wraps further.
	p.font(10, muted)
	p.cell(0, 87, pageW, 5, "C", p.fitOne(above, 10, 7, contentW))
	p.block(c.Title, 93, 25, contentW, 19, 10, 4, brand, true)

	// The sentence and the score.
	p.block(body, 120, 11, contentW, 11.5, 8, 2, ink, false)
	if c.Score != "" {
		p.font(10, muted)
		p.cell(0, 132, pageW, 5, "C", p.fitOne(c.Score, 10, 7, contentW))
	}

	// Bottom left: date, credits, hours.
	type fact struct{ label, value string }
	facts := []fact{{l.Date, issued.Format(l.DateLayout)}}
	if c.Credits > 0 {
		facts = append(facts, fact{l.Credits, fill(l.CreditsValue, c.Credits)})
	}
	if c.Hours > 0 {
		facts = append(facts, fact{l.Hours, fill(l.HoursValue, c.Hours)})
	}
	y := 176 - 7*float64(len(facts)-1)
	for _, fa := range facts {
		p.font(8.5, muted)
		p.cell(28, y, 24, 5, "L", p.fitOne(fa.label, 8.5, 6, 23))
		p.font(10.5, ink)
		p.cell(53, y, 50, 5, "L", p.fitOne(fa.value, 10.5, 7, 50))
		y += 7
	}

	// Bottom centre: the issuer above a signature line, with a seal.
	p.font(14, ink)
	issuer := p.fitOne(c.Issuer, 14, 9, 70)
	p.seal(pageW/2+f.GetStringWidth(issuer)/2+7.5, 168.5, 6)
	p.bold(func() { p.cell(pageW/2-40, 166, 80, 7, "C", issuer) })
	p.rule(pageW/2-40, 176, 80, ink, 0.3)
	p.font(8.5, muted)
	p.cell(pageW/2-40, 177.5, 80, 4.5, "C", l.Issuer)

	// Bottom right: the QR code, the serial and the short URL under it.
	qx, qy := pageW-frameInner-10-qrSize, 145.0
	p.qr(qr.Bitmap(), qx, qy, qrSize)
	right := qx + qrSize
	p.font(8, ink)
	p.cell(right-80, qy+qrSize+2, 80, 4, "R", p.fitOne(labelled(l.Serial, " ", c.Serial), 8, 6, 80))
	p.font(7.5, muted)
	p.cell(right-80, qy+qrSize+6, 80, 4, "R", p.fitOne(labelled(l.Verify, ": ", shortURL(c.VerifyURL)), 7.5, 5.5, 80))

	if c.Revoked {
		p.watermark(l.Revoked)
	}
	return d.Bytes()
}

// fill puts n in place of "{n}" in s.
func fill(s string, n int) string { return strings.ReplaceAll(s, "{n}", strconv.Itoa(n)) }

// labelled is value after label and sep, or value alone without a label.
func labelled(label, sep, value string) string {
	if label == "" {
		return value
	}
	return label + sep + value
}

// shortURL is u without its scheme and trailing slash, for print.
func shortURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	return strings.TrimSuffix(strings.TrimPrefix(u, "www."), "/")
}

// page draws on the fpdf document in millimetres.
type page struct{ f *fpdf.Fpdf }

func (p page) font(size float64, c rgb) {
	p.f.SetFont(pdf.Font, "", size)
	p.f.SetTextColor(c.r, c.g, c.b)
}

// cell writes one line in the box (x, y, w, h), aligned "L", "C" or "R".
func (p page) cell(x, y, w, h float64, align, s string) {
	p.f.SetXY(x, y)
	p.f.CellFormat(w, h, s, "", 0, align, false, 0, "")
}

// bold draws the text of draw filled and stroked with its own colour: the
// embedded font has no bold face.
func (p page) bold(draw func()) {
	r, g, b := p.f.GetTextColor()
	size, _ := p.f.GetFontSize()
	p.f.SetDrawColor(r, g, b)
	p.f.SetLineWidth(size * 0.006) // mm per point of type
	p.f.SetTextRenderingMode(2)
	draw()
	p.f.SetTextRenderingMode(0)
}

// fitOne returns s at the largest size from max down to min (points) at
// which it fits w, leaving that size set; at min it is cut with "…".
func (p page) fitOne(s string, max, min, w float64) string {
	for size := max; size >= min; size -= 0.5 {
		p.f.SetFontSize(size)
		if p.f.GetStringWidth(s) <= w {
			return s
		}
	}
	p.f.SetFontSize(min)
	return p.cut(s, w)
}

// cut shortens s until it fits w with an ellipsis.
func (p page) cut(s string, w float64) string {
	r := []rune(strings.TrimSpace(s))
	for len(r) > 0 && p.f.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}

// block writes s centred in the box (0..pageW, y..y+h), wrapped to w, at
// the largest size from max down to min (points) at which it takes at most n
// lines and fits h; at min its n-th line is cut with "…" (n lines at min must
// fit h).
func (p page) block(s string, y, h, w, max, min float64, n int, c rgb, bold bool) {
	p.font(max, c)
	size, lines := max, []string(nil)
	for {
		p.f.SetFontSize(size)
		lines = p.f.SplitText(s, w)
		if len(lines) <= n && float64(len(lines))*lineHeight(size) <= h || size-0.5 < min {
			break
		}
		size -= 0.5
	}
	if len(lines) > n {
		lines = lines[:n]
		lines[n-1] = p.cut(lines[n-1], w)
	}
	lh := lineHeight(size)
	top := y + (h-lh*float64(len(lines)))/2
	for i, line := range lines {
		draw := func() { p.cell(0, top+float64(i)*lh, pageW, lh, "C", strings.TrimSpace(line)) }
		if bold {
			p.bold(draw)
		} else {
			draw()
		}
	}
}

// lineHeight is the distance between two lines of text of size points, in mm.
func lineHeight(size float64) float64 { return size * mmPerPt * 1.3 }

func (p page) rule(x, y, w float64, c rgb, width float64) {
	p.f.SetDrawColor(c.r, c.g, c.b)
	p.f.SetLineWidth(width)
	p.f.Line(x, y, x+w, y)
}

// frame tints the paper ivory and draws the double border with a small
// diamond at each inner corner.
func (p page) frame() {
	f := p.f
	f.SetFillColor(paper.r, paper.g, paper.b)
	f.Rect(0, 0, pageW, pageH, "F")
	f.SetDrawColor(brand.r, brand.g, brand.b)
	f.SetLineWidth(1.4)
	f.Rect(frameOuter, frameOuter, pageW-2*frameOuter, pageH-2*frameOuter, "D")
	f.SetDrawColor(gold.r, gold.g, gold.b)
	f.SetLineWidth(0.35)
	f.Rect(frameInner, frameInner, pageW-2*frameInner, pageH-2*frameInner, "D")
	f.SetFillColor(gold.r, gold.g, gold.b)
	for _, x := range []float64{frameInner, pageW - frameInner} {
		for _, y := range []float64{frameInner, pageH - frameInner} {
			p.diamond(x, y, 2.2)
		}
	}
}

func (p page) diamond(x, y, r float64) {
	p.f.Polygon([]fpdf.PointType{{X: x, Y: y - r}, {X: x + r, Y: y}, {X: x, Y: y + r}, {X: x - r, Y: y}}, "F")
}

// ornament is a centred gold rule at y with a diamond in its middle.
func (p page) ornament(y float64) {
	const w = 89.0
	x := (pageW - w) / 2
	p.rule(x, y, w/2-4, gold, 0.35)
	p.rule(x+w/2+4, y, w/2-4, gold, 0.35)
	p.f.SetFillColor(gold.r, gold.g, gold.b)
	p.diamond(pageW/2, y, 1.8)
}

// logo draws the platform's mark, a rounded square with a "W", in a size
// mm square at (x, y): the SVG <rect width="32" height="32" rx="9"/>
// <path d="M7 11l4.5 11L16 12l4.5 10L25 11" stroke-width="3"/>.
func (p page) logo(x, y, size float64) {
	f, s := p.f, size/32
	f.SetFillColor(brand.r, brand.g, brand.b)
	f.RoundedRect(x, y, size, size, 9*s, "1234", "F")
	f.SetDrawColor(255, 255, 255)
	f.SetLineWidth(3 * s)
	f.SetLineCapStyle("round")
	f.SetLineJoinStyle("round")
	f.MoveTo(x+7*s, y+11*s)
	for _, pt := range [][2]float64{{11.5, 22}, {16, 12}, {20.5, 22}, {25, 11}} {
		f.LineTo(x+pt[0]*s, y+pt[1]*s)
	}
	f.DrawPath("D")
	f.SetLineCapStyle("butt")
	f.SetLineJoinStyle("miter")
}

// seal is the issuer's stamp: two brand rings around the logo's "W".
func (p page) seal(cx, cy, r float64) {
	f := p.f
	f.SetDrawColor(brand.r, brand.g, brand.b)
	f.SetLineWidth(0.5)
	f.Circle(cx, cy, r, "D")
	f.SetLineWidth(0.2)
	f.Circle(cx, cy, r-1, "D")
	p.logo(cx-r*0.55, cy-r*0.55, r*1.1)
}

// qr draws the modules of bitmap as black squares in a size mm square, so
// the code stays sharp at any resolution: one filled path of a rectangle
// per horizontal run (one path, so rasterisers leave no seams between rows).
func (p page) qr(bitmap [][]bool, x, y, size float64) {
	f, m := p.f, size/float64(len(bitmap))
	f.SetFillColor(0, 0, 0)
	for row, line := range bitmap {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			end := col
			for end < len(line) && line[end] {
				end++
			}
			x0, x1, y0, y1 := x+float64(col)*m, x+float64(end)*m, y+float64(row)*m, y+float64(row+1)*m
			f.MoveTo(x0, y0)
			f.LineTo(x1, y0)
			f.LineTo(x1, y1)
			f.LineTo(x0, y1)
			f.ClosePath()
			col = end
		}
	}
	f.DrawPath("F")
}

// watermark writes s diagonally across the page in translucent red, in a
// stamp-like frame.
func (p page) watermark(s string) {
	f := p.f
	f.TransformBegin()
	f.TransformRotate(22, pageW/2, pageH/2)
	f.SetAlpha(0.55, "Normal")
	p.font(54, red)
	s = p.fitOne(s, 54, 20, 230)
	w := f.GetStringWidth(s) + 16
	f.SetDrawColor(red.r, red.g, red.b)
	f.SetLineWidth(1.6)
	f.RoundedRect(pageW/2-w/2, pageH/2-15, w, 30, 4, "1234", "D")
	p.bold(func() { p.cell(pageW/2-w/2, pageH/2-15, w, 30, "C", s) })
	f.SetAlpha(1, "Normal")
	f.TransformEnd()
}
