// Package site is the public face of Weaverse: the home page with the
// nano-degree hero, the roadmap of its courses and the feature highlights.
//
// Its exported surface for other modules is this file. It has none: the
// roadmap reads real course data from the catalog module's Reader, passed in
// through Deps.
package site
