// Package pdf writes simple A4 documents with Hangul text (receipts,
// certificates): go-pdf/fpdf with NanumGothic (SIL OFL 1.1, license in
// fonts/NanumGothic-OFL.txt) embedded in the binary, subset into each
// document. fpdf was chosen over gopdf for its layout API (cells, wrapped
// text, images from readers); its codeberg releases are the maintained
// ones. Only TrueType-outline fonts work (not CFF .otf or .ttc).
package pdf

import (
	"bytes"
	_ "embed"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed fonts/NanumGothic.ttf
var nanumGothic []byte

// Font is the family every document is set in.
const Font = "nanum"

// Doc is a document being written, in millimetres.
type Doc struct {
	f *fpdf.Fpdf
}

// New starts an A4 document, portrait ("P") or landscape ("L"), with one
// page and the Hangul font, stamped with title and the creation time.
func New(orientation, title string, created time.Time) *Doc {
	f := fpdf.New(orientation, "mm", "A4", "")
	f.SetCompression(true)
	f.SetTitle(title, true)
	f.SetCreator("Weaverse", true)
	f.SetCreationDate(created)
	f.AddUTF8FontFromBytes(Font, "", nanumGothic)
	f.SetMargins(18, 18, 18)
	f.SetAutoPageBreak(true, 18)
	f.AddPage()
	f.SetFont(Font, "", 11)
	return &Doc{f: f}
}

// Fpdf is the underlying document, for layouts this package has no helper
// for (images, QR codes, absolute positions).
func (d *Doc) Fpdf() *fpdf.Fpdf { return d.f }

// Width is the width between the margins.
func (d *Doc) Width() float64 {
	w, _ := d.f.GetPageSize()
	l, _, r, _ := d.f.GetMargins()
	return w - l - r
}

// Text writes a paragraph at size (points), wrapped to the margins,
// aligned "L", "C" or "R".
func (d *Doc) Text(size float64, align, s string) {
	d.f.SetFont(Font, "", size)
	d.f.MultiCell(0, size*0.5, s, "", align, false)
}

// Gap leaves h millimetres of space.
func (d *Doc) Gap(h float64) { d.f.Ln(h) }

// Rule draws a thin line across the page.
func (d *Doc) Rule() {
	l, _, r, _ := d.f.GetMargins()
	w, _ := d.f.GetPageSize()
	y := d.f.GetY()
	d.f.SetDrawColor(180, 180, 180)
	d.f.Line(l, y, w-r, y)
	d.f.Ln(2)
}

// Row writes one line of a table: cells of the given widths (mm; 0 for the
// rest of the line) and alignments ("L", "C", "R").
func (d *Doc) Row(size float64, cells []string, widths []float64, aligns []string) {
	d.f.SetFont(Font, "", size)
	for i, c := range cells {
		w := 0.0
		if i < len(widths) {
			w = widths[i]
		}
		a := "L"
		if i < len(aligns) {
			a = aligns[i]
		}
		ln := 0
		if i == len(cells)-1 {
			ln = 1
		}
		d.f.CellFormat(w, size*0.6, c, "", ln, a, false, 0, "")
	}
}

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
