package app

import "runtime/debug"

// version is set at build time: -ldflags "-X github.com/weaverse/weaverse/app.version=v1.2.3".
var version = ""

// Version returns the build's version: the linker-set value, else the module
// version from the build info, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
