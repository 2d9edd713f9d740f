package bundle

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/weaverse/weaverse/modules/catalog"
)

// LoadDir loads the bundle in a folder of the local file system. The folder
// is opened with os.OpenRoot, so a symbolic link inside the bundle cannot
// make the loader read files outside it; problems name files relative to
// the folder's parent ("web-nanodegree/html-css/course.yaml"). Topics are
// checked against kinds (see Load).
func LoadDir(dir string, kinds *catalog.Kinds) (*catalog.Bundle, []Problem, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("bundle: %s is not a folder", dir)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	r.Close()
	name := filepath.Base(abs)
	if !fs.ValidPath(name) || name == "." {
		// The file system's root folder has no name to show; paths are then
		// relative to the bundle itself.
		return Load(rootFS(abs), ".", kinds)
	}
	return Load(namedFS{name: name, fsys: rootFS(abs)}, name, kinds)
}

// rootFS is a folder opened through os.Root at each Open, so the bundle's
// Files stay usable after LoadDir returns (the import reads its videos
// later) without holding a descriptor open; a file stays readable after its
// root is closed.
type rootFS string

func (d rootFS) Open(p string) (fs.File, error) {
	r, err := os.OpenRoot(string(d))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.FS().Open(p)
}

// namedFS shows a file system as the single folder name inside an
// otherwise empty file system, so Load can name files by the bundle's
// folder without being given access to the folder's parent.
type namedFS struct {
	name string
	fsys fs.FS
}

func (n namedFS) Open(p string) (fs.File, error) {
	if !fs.ValidPath(p) {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrInvalid}
	}
	if p == n.name {
		return n.fsys.Open(".")
	}
	if rest, ok := strings.CutPrefix(p, n.name+"/"); ok {
		return n.fsys.Open(rest)
	}
	return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
}
