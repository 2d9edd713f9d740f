package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Cache policies. A fingerprinted URL names exactly one content, so it may be
// cached forever; a plain URL (e.g. a font referenced relatively from a vendor
// stylesheet) changes content across releases and is revalidated by ETag.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cachePlain     = "public, max-age=86400"
	cacheDev       = "no-cache"
	hashLen        = 10 // hex digits of SHA-256 in fingerprinted names
)

// contentTypes pins the types we ship, independent of the host's mime.types.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".jpeg":  "image/jpeg",
	".webp":  "image/webp",
	".gif":   "image/gif",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".woff":  "font/woff",
	".ttf":   "font/ttf",
	".txt":   "text/plain; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	"":       "text/plain; charset=utf-8", // LICENSE
}

type asset struct {
	data  []byte
	ctype string
	etag  string // quoted
	url   string // fingerprinted URL
}

// assets is the immutable index of the embedded static files, built once.
type assets struct {
	byPath        map[string]*asset // "css/app.css"
	byFingerprint map[string]*asset // "css/app.3fa2b1c4d5.css"
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byPath: map[string]*asset{}, byFingerprint: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])[:hashLen]
		fp := fingerprint(p, h)
		ext := strings.ToLower(path.Ext(p))
		ct, ok := contentTypes[ext]
		if !ok {
			if ct = mime.TypeByExtension(ext); ct == "" {
				ct = "application/octet-stream"
			}
		}
		e := &asset{data: data, ctype: ct, etag: `"` + h + `"`, url: "/static/" + fp}
		a.byPath[p] = e
		a.byFingerprint[fp] = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return a, nil
}

// fingerprint inserts the hash before the last extension:
// "vendor/bootstrap/bootstrap.min.css" → "vendor/bootstrap/bootstrap.min.<h>.css".
func fingerprint(p, h string) string {
	dir, file := path.Split(p)
	ext := path.Ext(file)
	return dir + strings.TrimSuffix(file, ext) + "." + h + ext
}

func (a *assets) url(p string) (string, bool) {
	p = strings.TrimPrefix(p, "/")
	if e, ok := a.byPath[p]; ok {
		return e.url, true
	}
	return "/static/" + p, false
}

// handler serves /static/*. A fingerprinted name gets a one-year immutable
// cache; a plain name a one-day cache (no-cache in Dev) with ETag/304. Anything
// else, including a known file under a stale or wrong fingerprint, is 404:
// serving other bytes under an immutable URL would poison caches. Lookups are
// by exact key in an in-memory index, so "..", absolute or encoded paths can
// never reach outside the embedded tree.
func (a *assets) handler(dev bool) fiber.Handler {
	plainCache := cachePlain
	if dev {
		plainCache = cacheDev
	}
	return func(c *fiber.Ctx) error {
		p := c.Params("*")
		if !fs.ValidPath(p) {
			return fiber.ErrNotFound
		}
		e, cache := a.byFingerprint[p], cacheImmutable
		if e == nil {
			e, cache = a.byPath[p], plainCache
		}
		if e == nil {
			return fiber.ErrNotFound
		}
		c.Vary(fiber.HeaderAcceptEncoding)
		c.Set(fiber.HeaderCacheControl, cache)
		c.Set(fiber.HeaderETag, e.etag)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		if etagMatch(c.Get(fiber.HeaderIfNoneMatch), e.etag) {
			return c.SendStatus(fiber.StatusNotModified)
		}
		c.Set(fiber.HeaderContentType, e.ctype)
		return c.Send(e.data)
	}
}

// etagMatch implements If-None-Match (weak comparison, lists and "*").
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
