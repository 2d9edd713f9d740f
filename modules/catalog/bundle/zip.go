package bundle

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/weaverse/weaverse/modules/catalog"
)

// Reading bundles uploaded as zip archives. An archive is checked before
// anything in it is read: its central directory (which zip.NewReader holds
// in memory) is bounded in bytes and entries, the sizes it declares
// unpacked are bounded in total and in ratio to their packed sizes (a zip
// bomb declares honest sizes, or the reader refuses data that outgrows
// them), and every name is a plain relative path — no "..", no absolute
// path, no backslash, no link — before the archive is handed to Load as a
// file system.

// Limits of an uploaded archive.
const (
	// MaxZipEntries bounds the files and folders of an archive.
	MaxZipEntries = 5000
	// MaxZipUnpacked bounds the sum of the sizes its entries unpack to.
	MaxZipUnpacked = 2 << 30
	// maxZipRatio bounds how much an entry of more than zipRatioFloor
	// bytes unpacked may have been compressed: media are compressed
	// already, and text of that size does not compress a hundredfold.
	maxZipRatio   = 100
	zipRatioFloor = 1 << 20
	// maxZipDirectory bounds what zip.NewReader reads of the archive's
	// end: its central directory and end records.
	maxZipDirectory = MaxZipEntries*1024 + 128<<10
)

// ReadZip loads the bundle of a zip archive (see OpenZip and Load).
// Problems in the archive's files name them from the bundle folder
// ("html-css/course.yaml:12:3"); a refused archive is a
// *catalog.BundleArchiveError.
func ReadZip(r io.ReaderAt, size int64, kinds *catalog.Kinds) (*catalog.Bundle, []Problem, error) {
	fsys, root, err := OpenZip(r, size)
	if err != nil {
		return nil, nil, err
	}
	b, problems, err := Load(fsys, root, kinds)
	var ae *catalog.BundleArchiveError
	if err != nil && !errors.As(err, &ae) {
		// The archive was read whole when it was checked: what Load cannot
		// read is a damaged entry, not the server's fault.
		err = &catalog.BundleArchiveError{Reason: catalog.BundleArchiveUnreadable}
	}
	return b, problems, err
}

// OpenZip checks a zip archive and returns it as a file system, with the
// bundle's root in it: "." when curriculum.yaml or course.yaml is at the
// top, else the archive's one top folder holding one of them. Reading a
// damaged entry fails with a *catalog.BundleArchiveError.
func OpenZip(r io.ReaderAt, size int64) (fs.FS, string, error) {
	budget := &budgetReader{r: r, left: maxZipDirectory}
	zr, err := zip.NewReader(budget, size)
	budget.spent = true
	switch {
	case errors.Is(err, errDirectoryTooLarge):
		return nil, "", &catalog.BundleArchiveError{Reason: catalog.BundleArchiveTooMany, Limit: MaxZipEntries}
	case err != nil && !errors.Is(err, zip.ErrInsecurePath):
		return nil, "", &catalog.BundleArchiveError{Reason: catalog.BundleArchiveNotZip}
	case len(zr.File) > MaxZipEntries:
		return nil, "", &catalog.BundleArchiveError{Reason: catalog.BundleArchiveTooMany, Limit: MaxZipEntries}
	}
	if err := checkEntries(zr.File); err != nil {
		return nil, "", err
	}
	root, err := bundleRoot(zr.File)
	if err != nil {
		return nil, "", err
	}
	return zipFS{zr}, root, nil
}

// checkEntries refuses names that are not plain relative paths, links,
// duplicates, encrypted entries or methods Go cannot read, and sizes past
// the limits.
func checkEntries(files []*zip.File) error {
	seen := make(map[string]bool, len(files))
	var total uint64
	for _, f := range files {
		name := strings.TrimSuffix(f.Name, "/")
		bad := func(reason string) error { return &catalog.BundleArchiveError{Reason: reason, File: printable(f.Name)} }
		mode := f.Mode()
		switch {
		case !plainPath(name), !mode.IsDir() && !mode.IsRegular():
			// Links, devices and pipes are nothing a bundle holds.
			return bad(catalog.BundleArchiveUnsafePath)
		case seen[name]:
			return bad(catalog.BundleArchiveDuplicate)
		case f.Flags&0x1 != 0, f.Method != zip.Store && f.Method != zip.Deflate:
			return bad(catalog.BundleArchiveUnsupported)
		}
		seen[name] = true
		total += f.UncompressedSize64
		if total > MaxZipUnpacked {
			return &catalog.BundleArchiveError{Reason: catalog.BundleArchiveTooLarge, Limit: MaxZipUnpacked}
		}
		if f.UncompressedSize64 > zipRatioFloor && f.UncompressedSize64/maxZipRatio > f.CompressedSize64 {
			return &catalog.BundleArchiveError{Reason: catalog.BundleArchiveTooLarge, File: printable(f.Name), Limit: MaxZipUnpacked}
		}
	}
	return nil
}

// plainPath reports whether name is a relative path of plain names, which
// cannot leave the folder it is unpacked in on any system.
func plainPath(name string) bool {
	return fs.ValidPath(name) && name != "." && !strings.ContainsAny(name, "\\:\x00") && !strings.HasPrefix(name, "~")
}

// printable shortens a name for a message.
func printable(name string) string {
	name = strings.ToValidUTF8(name, "?")
	if r := []rune(name); len(r) > 120 {
		name = string(r[:117]) + "..."
	}
	return name
}

// ignoredTop are the top-level names that archivers add (macOS's resource
// forks and folder settings): they do not count as another bundle folder.
func ignoredTop(name string) bool { return name == "__MACOSX" || strings.HasPrefix(name, ".") }

// bundleRoot finds the bundle's root in the archive.
func bundleRoot(files []*zip.File) (string, error) {
	tops := map[string]bool{}
	has := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name, "/")
		has[name] = true
		top, _, _ := strings.Cut(name, "/")
		if !ignoredTop(top) {
			tops[top] = true
		}
	}
	if has[CurriculumFile] || has[CourseFile] {
		return ".", nil
	}
	if len(tops) > 1 {
		return "", &catalog.BundleArchiveError{Reason: catalog.BundleArchiveNoBundleRoot}
	}
	for top := range tops {
		if has[path.Join(top, CurriculumFile)] || has[path.Join(top, CourseFile)] {
			return top, nil
		}
	}
	return "", &catalog.BundleArchiveError{Reason: catalog.BundleArchiveNotABundle}
}

var errDirectoryTooLarge = errors.New("bundle: the zip's central directory is too large")

// budgetReader fails once more than left bytes were read, until spent:
// zip.NewReader reads every central directory header up to the first bad
// one, whatever count the archive declares, and keeps them all in memory.
type budgetReader struct {
	r     io.ReaderAt
	left  int64
	spent bool
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if !b.spent {
		if b.left < int64(len(p)) {
			return 0, errDirectoryTooLarge
		}
		b.left -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}

// zipFS is an archive as a file system whose files' read errors (a damaged
// entry, data that outgrows its declared size) are archive problems.
type zipFS struct{ r *zip.Reader }

func (z zipFS) Open(name string) (fs.File, error) {
	f, err := z.r.Open(name)
	if err != nil {
		return nil, err
	}
	if _, dir := f.(fs.ReadDirFile); dir {
		return f, nil
	}
	return zipFile{File: f, name: name}, nil
}

type zipFile struct {
	fs.File
	name string
}

func (f zipFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	if err != nil && err != io.EOF {
		err = &catalog.BundleArchiveError{Reason: catalog.BundleArchiveUnreadable, File: printable(f.name)}
	}
	return n, err
}
