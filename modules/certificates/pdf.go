package certificates

import (
	"fmt"
	"strings"

	"github.com/weaverse/weaverse/modules/certificates/document"
	"github.com/weaverse/weaverse/platform/i18n"
)

// pdfCacheSize is how many rendered PDFs an instance keeps (about 35 KB
// each): a render parses the embedded font and takes some 90 ms and 20 MB
// of garbage, and a holder downloads the same one again and again.
const pdfCacheSize = 256

// pdf is a certificate as an A4 landscape PDF in lang: the same row gives
// the same bytes (dated by its issue; a revocation adds a watermark), so a
// rendered one is kept by what it shows that may change: its status.
func (m *Module) pdf(lang string, r *certRow) ([]byte, error) {
	key := fmt.Sprintf("%d|%s|%s", r.ID, i18n.Normalize(lang), r.Status)
	if b, ok := m.pdfs.Get(key); ok {
		return b, nil
	}
	b, err := m.renderPDF(lang, r)
	if err == nil {
		m.pdfs.Add(key, b)
	}
	return b, err
}

func (m *Module) renderPDF(lang string, r *certRow) ([]byte, error) {
	s := m.svc
	labels := document.KoreanLabels()
	if i18n.Normalize(lang) == "en" {
		labels = document.EnglishLabels()
	}
	var parts []string
	for _, ms := range r.Details.V.Missions {
		parts = append(parts, m.i18n.T(lang, "certificates.pdf.mission", map[string]any{
			"Mission": m.i18n.T(lang, "certificates.mission."+ms.Mission, nil), "Score": ms.Score}))
	}
	return document.Render(document.Certificate{
		SiteName: s.settings.SiteName, Kind: r.Kind, Holder: r.HolderName, Title: r.Title,
		IssuedAt: r.IssuedAt, Serial: r.Serial, VerifyURL: s.verifyURL(r.Serial), Credits: r.Credits,
		Score: strings.Join(parts, " · "), Hours: r.Details.V.Hours, Issuer: s.issuerName(),
		Revoked: r.Status == statusRevoked,
	}, labels)
}
