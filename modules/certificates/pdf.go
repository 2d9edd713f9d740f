package certificates

import (
	"strings"

	"github.com/weaverse/weaverse/modules/certificates/document"
	"github.com/weaverse/weaverse/platform/i18n"
)

// pdf is a certificate as an A4 landscape PDF in lang: the same row gives
// the same bytes (dated by its issue; a revocation adds a watermark).
func (m *Module) pdf(lang string, r *certRow) ([]byte, error) {
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
