package bundle

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/modules/catalog"
)

// zipEntry is a file of a test archive.
type zipEntry struct {
	name string
	data []byte
	mode fs.FileMode // 0: a regular file
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dirZip zips a folder of testdata/subjects under prefix ("" for the
// archive's top).
func dirZip(t testing.TB, dir, prefix string) []byte {
	t.Helper()
	var entries []zipEntry
	fsys := os.DirFS(subjects(t) + "/" + dir)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		entries = append(entries, zipEntry{name: prefix + p, data: data})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return makeZip(t, entries...)
}

func readZip(t testing.TB, data []byte) (*catalog.Bundle, []Problem, error) {
	t.Helper()
	return ReadZip(bytes.NewReader(data), int64(len(data)), testKinds(t))
}

// archiveReason is the reason an archive was refused ("" when it was not).
func archiveReason(t testing.TB, err error) string {
	t.Helper()
	var ae *catalog.BundleArchiveError
	if err == nil {
		return ""
	}
	if !errors.As(err, &ae) {
		t.Fatalf("not an archive error: %v", err)
	}
	return ae.Reason
}

// A bundle zipped with its folder, or from inside it, loads as from disk;
// the files archivers add on macOS do not count as another folder.
func TestReadZip(t *testing.T) {
	for name, data := range map[string][]byte{
		"folder": dirZip(t, "sample-course", "sample-course/"),
		"top":    dirZip(t, "sample-course", ""),
		"__MACOSX": append([]byte(nil), makeZipWith(t, dirZip(t, "sample-course", "sample-course/"),
			zipEntry{name: "__MACOSX/sample-course/._course.yaml", data: []byte{0, 5, 22, 7}},
			zipEntry{name: ".DS_Store", data: []byte{0}})...),
	} {
		t.Run(name, func(t *testing.T) {
			b := mustLoadT(t)(readZip(t, data))
			c := b.Courses[0]
			if c.Slug != "sample-course" || len(c.Lectures[0].Topics) != 4 {
				t.Fatalf("loaded %+v", c)
			}
			video := c.Lectures[0].Topics[0].Video
			if _, err := fs.Stat(b.Files, video); err != nil {
				t.Fatalf("video %q: %v", video, err)
			}
		})
	}
}

// makeZipWith re-zips an archive with more entries.
func makeZipWith(t testing.TB, data []byte, more ...zipEntry) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []zipEntry
	for _, f := range zr.File {
		entries = append(entries, zipEntry{name: f.Name, data: readAll(t.(*testing.T), zr, f.Name)})
	}
	return makeZip(t, append(entries, more...)...)
}

func mustLoadT(t *testing.T) func(*catalog.Bundle, []Problem, error) *catalog.Bundle {
	return func(b *catalog.Bundle, ps []Problem, err error) *catalog.Bundle {
		t.Helper()
		return mustLoad(t, b, ps, err)
	}
}

// An archive a server must not unpack is refused before any of its files
// is read: not a zip, names that leave the bundle or are links, twice the
// same name, too many files, too large unpacked, a zip bomb, data that
// outgrows its declared size, no bundle or several.
func TestReadZipRefuses(t *testing.T) {
	course := readAllFile(t, subjects(t)+"/sample-course/course.yaml")
	bomb := make([]byte, 8<<20)
	many := make([]zipEntry, MaxZipEntries+1)
	for i := range many {
		many[i] = zipEntry{name: "c/" + strings.Repeat("x", 10) + string(rune('a'+i%26)) + "/" + itoa(i)}
	}
	longNames := make([]zipEntry, 3000)
	for i := range longNames {
		longNames[i] = zipEntry{name: "c/" + strings.Repeat("n", 2000) + itoa(i)}
	}
	for _, tc := range []struct {
		name, reason string
		data         []byte
	}{
		{"not a zip", catalog.BundleArchiveNotZip, []byte("schema: 1\nslug: x\n")},
		{"empty", catalog.BundleArchiveNotZip, nil},
		{"truncated", catalog.BundleArchiveNotZip, dirZip(t, "sample-course", "c/")[:200]},
		{"dot-dot", catalog.BundleArchiveUnsafePath, makeZip(t, zipEntry{name: "c/course.yaml", data: course}, zipEntry{name: "c/../../etc/passwd", data: []byte("x")})},
		{"leading dot-dot", catalog.BundleArchiveUnsafePath, makeZip(t, zipEntry{name: "../course.yaml", data: course})},
		{"absolute", catalog.BundleArchiveUnsafePath, makeZip(t, zipEntry{name: "/etc/course.yaml", data: course})},
		{"backslash", catalog.BundleArchiveUnsafePath, makeZip(t, zipEntry{name: `c\..\course.yaml`, data: course})},
		{"drive", catalog.BundleArchiveUnsafePath, makeZip(t, zipEntry{name: "C:/course.yaml", data: course})},
		{"symlink", catalog.BundleArchiveUnsafePath, makeZip(t, zipEntry{name: "c/course.yaml", data: course},
			zipEntry{name: "c/media/x.mp4", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777})},
		{"duplicate", catalog.BundleArchiveDuplicate, makeZip(t, zipEntry{name: "c/course.yaml", data: course}, zipEntry{name: "c/course.yaml", data: course})},
		{"too many files", catalog.BundleArchiveTooMany, makeZip(t, many...)},
		{"huge directory", catalog.BundleArchiveTooMany, makeZip(t, longNames...)},
		{"zip bomb", catalog.BundleArchiveTooLarge, makeZip(t, zipEntry{name: "c/course.yaml", data: course}, zipEntry{name: "c/media/x.mp4", data: bomb})},
		{"declared huge", catalog.BundleArchiveTooLarge, rawZip(t, "c/course.yaml", course, 3<<30, 3<<30)},
		{"outgrows its size", catalog.BundleArchiveUnreadable, rawZip(t, "c/course.yaml", course, 10, 0)},
		{"no bundle", catalog.BundleArchiveNotABundle, makeZip(t, zipEntry{name: "c/readme.md", data: []byte("x")})},
		{"several folders", catalog.BundleArchiveNoBundleRoot, makeZip(t, zipEntry{name: "a/course.yaml", data: course}, zipEntry{name: "b/course.yaml", data: course})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ps, err := readZip(t, tc.data)
			if got := archiveReason(t, err); got != tc.reason || b != nil || len(ps) > 0 {
				t.Fatalf("reason %q (%v), want %q; bundle %v, problems %v", got, err, tc.reason, b != nil, ps)
			}
		})
	}
}

// rawZip is an archive of one stored entry whose header declares sizes of
// its own: size unpacked, and packed (0: the data's).
func rawZip(t testing.TB, name string, data []byte, size, packed uint64) []byte {
	t.Helper()
	if packed == 0 {
		packed = uint64(len(data))
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: packed, UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAllFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// A bundle with mistakes is not refused as an archive: its problems name
// the files inside it, with their lines.
func TestReadZipProblems(t *testing.T) {
	data := makeZip(t, zipEntry{name: "c/course.yaml", data: []byte("schema: 1\nslug: c\ntitle: [\n")})
	b, ps, err := readZip(t, data)
	if err != nil || b != nil || len(ps) != 1 || !strings.HasPrefix(ps[0].String(), "c/course.yaml:4") {
		t.Fatalf("%v %v %v", b, strs(ps), err)
	}
}

// FuzzReadZip feeds arbitrary bytes to ReadZip as an uploaded archive:
// it never panics, refuses with an archive error or a list of problems,
// and returns a bundle exactly when there is neither.
func FuzzReadZip(f *testing.F) {
	f.Add(dirZip(f, "sample-course", "sample-course/"))
	f.Add(dirZip(f, "sample-course", ""))
	f.Add(makeZip(f, zipEntry{name: "c/course.yaml", data: []byte("schema: 1")}, zipEntry{name: "c/../x", data: nil}))
	f.Add(rawZip(f, "c/course.yaml", []byte("schema: 1"), 3, 0))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ps, err := ReadZip(bytes.NewReader(data), int64(len(data)), testKinds(t))
		var ae *catalog.BundleArchiveError
		switch {
		case err != nil && !errors.As(err, &ae):
			t.Fatalf("not an archive error: %v", err)
		case err != nil && (b != nil || len(ps) > 0):
			t.Fatalf("an error with a bundle or problems")
		case err == nil && (b == nil) == (len(ps) == 0):
			t.Fatalf("bundle %v with %d problems", b != nil, len(ps))
		}
	})
}
