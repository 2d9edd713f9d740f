// Package defaultcontent embeds the course bundle shipped with the binary:
// the web-development nano-degree (7 courses), imported on the first start
// of an empty database (content.import_default). Other bundles live outside
// the binary and are loaded with `weaverse content import DIR`.
package defaultcontent

import (
	"embed"
	"io/fs"
)

//go:embed all:web-nanodegree
var files embed.FS

// Root is the bundle's folder inside FS.
const Root = "web-nanodegree"

// FS returns the embedded files; the bundle is at Root.
func FS() fs.FS { return files }
