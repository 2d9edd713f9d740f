// Command weaverse runs the Weaverse learning platform. With no arguments it
// serves the web app and the API (see `weaverse --help`).
package main

import (
	"os"

	"github.com/weaverse/weaverse/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
