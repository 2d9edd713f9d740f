package pdf_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/pdf"
)

// TestHangulRoundTrip writes Korean text and reads it back with pdftotext
// (poppler-utils), which finds it only when the font is embedded right.
func TestHangulRoundTrip(t *testing.T) {
	d := pdf.New("P", "영수증", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	d.Text(18, "C", "웹 개발 나노디그리")
	d.Rule()
	d.Row(11, []string{"HTML과 CSS 기초", "50,000원"}, []float64{120, 0}, []string{"L", "R"})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "%PDF-") || len(b) > 200<<10 {
		t.Fatalf("not a small PDF: %d bytes", len(b))
	}
	text := pdfText(t, b)
	for _, want := range []string{"웹 개발 나노디그리", "HTML과 CSS 기초", "50,000원"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext does not find %q in %q", want, text)
		}
	}
}

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: cannot read the PDF back")
	}
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
