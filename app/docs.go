package app

import (
	"embed"
	"io/fs"
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"
)

// docsFS holds Swagger UI (vendored by scripts/vendor-apidocs.sh) and its
// start-up script.
//
//go:embed docs
var docsFS embed.FS

const docsHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Weaverse API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script>
</body>
</html>
`

// docsCSP relaxes the site policy for Swagger UI, which sets inline styles
// and shows data: images; scripts stay same-origin only.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

func (a *App) docsPage(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", docsCSP)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(docsHTML)
}

func (a *App) docsAsset(c *fiber.Ctx) error {
	name := path.Clean("/" + c.Params("*"))
	data, err := fs.ReadFile(docsFS, "docs"+name)
	if err != nil || path.Base(name) == "LICENSE" {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(data)
}
