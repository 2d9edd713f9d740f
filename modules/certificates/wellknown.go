package certificates

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// wellKnown serves what anyone needs to verify a credential offline: the
// issuer's keys (JWKS and its did:web DID document), its Open Badges
// profile, and the status lists that say which certificates are revoked.
func (m *Module) wellKnown(r fiber.Router) {
	r.Get("/.well-known/jwks.json", m.jwks)
	r.Get("/.well-known/did.json", m.didDocument)
	// did:web puts the document of a DID with a path ("https://host/lms")
	// at <path>/did.json: the app, mounted at that path, serves /did.json.
	if p := m.svc.signer.DIDDocumentPath(); p != "/.well-known/did.json" {
		r.Get(p, m.didDocument)
	}
	r.Get("/certificates/issuer", m.issuerProfile)
	r.Get("/certificates/status/:n", m.statusList)
}

// publicJSON sends a public document that changes only with the key.
func publicJSON(c *fiber.Ctx, mime string, b []byte, err error) error {
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mime)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*") // verifiers run anywhere
	return c.Send(b)
}

func (m *Module) jwks(c *fiber.Ctx) error {
	b, err := m.svc.signer.JWKS()
	return publicJSON(c, "application/jwk-set+json", b, err)
}

func (m *Module) didDocument(c *fiber.Ctx) error {
	b, err := m.svc.signer.DIDDocument()
	return publicJSON(c, "application/did+json", b, err)
}

func (m *Module) issuerProfile(c *fiber.Ctx) error {
	b, err := m.svc.signer.Profile()
	return publicJSON(c, fiber.MIMEApplicationJSONCharsetUTF8, b, err)
}

// statusList is a status list credential (VC-JWT): a revocation shows
// within a minute.
func (m *Module) statusList(c *fiber.Ctx) error {
	n, err := strconv.ParseInt(c.Params("n"), 10, 64)
	if err != nil || n < 1 || n > 1<<20 {
		return fiber.ErrNotFound
	}
	tok, err := m.svc.StatusList(c.UserContext(), n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vc+jwt")
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	return c.SendString(tok)
}
