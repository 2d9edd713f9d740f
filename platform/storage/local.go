package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"
)

// DefaultURLPrefix is where Handler is expected to be mounted for Local.
const DefaultURLPrefix = "/media"

// tmpDir holds Local's in-flight uploads, inside the root so that the final
// rename stays on one filesystem (and so is atomic). ValidateKey refuses
// segments starting with ".", so no key can reach it.
const tmpDir = ".tmp"

// staleTemp is how old a temp file must be before NewLocal removes it as
// the leftover of a crashed process. Generous, because a slow client can
// stream one upload for a long time.
const staleTemp = 24 * time.Hour

// File modes: media can be paid content, so not world-readable.
const (
	dirMode  = 0o750
	fileMode = 0o640
)

// Local is a Store on a local directory. Keys map to files below the root;
// all file access goes through an os.Root, so not even a symlink planted
// inside the directory can lead outside it.
type Local struct {
	root      *os.Root
	signer    *Signer
	urlPrefix string
	now       func() time.Time
}

// LocalOption configures NewLocal.
type LocalOption func(*Local)

// WithURLPrefix sets the path (or absolute URL) under which Handler serves
// this store; URL returns prefix + "/" + key + "?exp=…&sig=…". The default is
// DefaultURLPrefix.
func WithURLPrefix(prefix string) LocalOption {
	return func(l *Local) { l.urlPrefix = strings.TrimRight(prefix, "/") }
}

// WithNow sets the clock URL checks expiries against: the same one the
// Handler verifies with (tests use a fixed clock).
func WithNow(now func() time.Time) LocalOption {
	return func(l *Local) { l.now = now }
}

// NewLocal opens (creating it if needed) a store under the directory root,
// such as "./data/media". It removes temp files that crashed processes left
// behind more than a day ago. Close releases the directory.
func NewLocal(root string, signer *Signer, opts ...LocalOption) (*Local, error) {
	if signer == nil {
		return nil, errors.New("storage: NewLocal needs a signer")
	}
	if err := os.MkdirAll(root, dirMode); err != nil {
		return nil, fmt.Errorf("storage: create root: %w", err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("storage: open root: %w", err)
	}
	l := &Local{root: r, signer: signer, urlPrefix: DefaultURLPrefix}
	for _, o := range opts {
		o(l)
	}
	if err := r.MkdirAll(tmpDir, dirMode); err != nil {
		r.Close()
		return nil, fmt.Errorf("storage: create temp dir: %w", err)
	}
	l.sweepTemp(time.Now().Add(-staleTemp))
	return l, nil
}

// Close releases the root directory.
func (l *Local) Close() error { return l.root.Close() }

// sweepTemp removes temp files last written before cutoff. Best effort: a
// file it cannot remove now is retried at the next start.
func (l *Local) sweepTemp(cutoff time.Time) {
	entries, err := fs.ReadDir(l.root.FS(), tmpDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			_ = l.root.Remove(path.Join(tmpDir, e.Name()))
		}
	}
}

// Put implements Store. It writes a temp file, syncs it (so a crash cannot
// leave a truncated file under the final name) and renames it into place.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) (err error) {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp, f, err := l.createTemp()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = l.root.Remove(tmp)
		}
	}()
	src := ctxReader{ctx: ctx, r: r}
	if size >= 0 {
		var n int64
		n, err = io.CopyN(f, src, size)
		if err == io.EOF {
			err = fmt.Errorf("storage: reader ended after %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
		}
	} else {
		_, err = io.Copy(f, src)
	}
	if err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("storage: sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("storage: close: %w", err)
	}
	return l.moveIntoPlace(tmp, key)
}

// createTemp creates a fresh, exclusively opened temp file.
func (l *Local) createTemp() (string, *os.File, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	name := path.Join(tmpDir, "put-"+hex.EncodeToString(b[:]))
	f, err := l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return "", nil, fmt.Errorf("storage: create temp file: %w", err)
	}
	return name, f, nil
}

// moveIntoPlace renames tmp to key, creating the parent directories only
// now, so a failed Put does not leave empty directories either. A
// concurrent Delete may prune a directory between MkdirAll and Rename; the
// rename then fails with ENOENT and is simply tried again.
func (l *Local) moveIntoPlace(tmp, key string) error {
	var err error
	for range 5 {
		if dir := path.Dir(key); dir != "." {
			if err = l.root.MkdirAll(dir, dirMode); err != nil {
				break
			}
		}
		if err = l.root.Rename(tmp, key); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		// A key whose path crosses an existing file ("a/b" when "a" is an
		// object) ends here with ENOTDIR or EEXIST, which is the caller's
		// doing rather than a failure of the disk.
		if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.EISDIR) {
			return fmt.Errorf("%w: path conflicts with an existing object or directory", ErrInvalidKey)
		}
		return fmt.Errorf("storage: move into place: %w", err)
	}
	return nil
}

// Open implements Store. The returned Object is an *os.File underneath.
func (l *Local) Open(_ context.Context, key string) (Object, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	f, err := l.root.Open(key)
	if err != nil {
		return nil, mapFSError(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotFound
	}
	return &localObject{File: f, info: fileInfo(key, st)}, nil
}

type localObject struct {
	*os.File
	info Info
}

func (o *localObject) Info() Info { return o.info }

// Stat implements Store.
func (l *Local) Stat(_ context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	st, err := l.root.Stat(key)
	if err != nil {
		return Info{}, mapFSError(err)
	}
	if !st.Mode().IsRegular() {
		return Info{}, ErrNotFound
	}
	return fileInfo(key, st), nil
}

// fileInfo builds Info for a file. The ETag is mtime-size in hex, as nginx
// does: every Put renames a new file into place, so the pair changes with
// the content, and it costs no read of the file.
func fileInfo(key string, st fs.FileInfo) Info {
	return Info{
		Key:         key,
		Size:        st.Size(),
		ContentType: ContentTypeFor(key),
		ModTime:     st.ModTime(),
		ETag:        fmt.Sprintf("%x-%x", st.ModTime().UnixNano(), st.Size()),
	}
}

// mapFSError turns "no such file" (including a path through a regular
// file, ENOTDIR) into ErrNotFound.
func mapFSError(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return ErrNotFound
	}
	return err
}

// Delete implements Store.
func (l *Local) Delete(_ context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	st, err := l.root.Lstat(key)
	if err != nil {
		if errors.Is(mapFSError(err), ErrNotFound) {
			return nil
		}
		return err
	}
	if st.IsDir() {
		return nil // a directory is not an object; there is nothing to delete
	}
	if err := l.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	l.pruneParents(key)
	return nil
}

// DeletePrefix implements Store: the prefix names a directory, removed
// with everything in it.
func (l *Local) DeletePrefix(_ context.Context, prefix string) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	dir := strings.TrimSuffix(prefix, "/")
	if err := l.root.RemoveAll(dir); err != nil {
		if errors.Is(mapFSError(err), ErrNotFound) {
			return nil
		}
		return err
	}
	l.pruneParents(dir)
	return nil
}

// pruneParents removes the directories above name that have become empty,
// so deleted videos do not leave a tree of empty folders. Remove refuses a
// non-empty directory, which ends the walk.
func (l *Local) pruneParents(name string) {
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if l.root.Remove(dir) != nil {
			return
		}
	}
}

// List implements Store. It walks only the directory the prefix points
// into, not the whole tree.
func (l *Local) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := validateListPrefix(prefix); err != nil {
		return nil, err
	}
	start := strings.TrimSuffix(path.Dir(prefix+"x"), "/") // the directory containing prefix's last segment
	var out []Info
	err := fs.WalkDir(l.root.FS(), start, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if name == tmpDir || (name != start && !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/")) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(name, prefix) {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while we walked
			}
			return err
		}
		out = append(out, fileInfo(name, st))
		return nil
	})
	if err != nil {
		return nil, err
	}
	// WalkDir's per-directory order is not the byte order of whole keys
	// ("a/b" vs "a-c"), which is what S3 returns; sort to match.
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// URL implements Store: urlPrefix + "/" + escaped key + "?exp=…&sig=…",
// served by Handler.
func (l *Local) URL(_ context.Context, key string, expires time.Time) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	now := time.Now
	if l.now != nil {
		now = l.now
	}
	if err := checkExpiry(expires, now()); err != nil {
		return "", err
	}
	return l.signer.URL(l.urlPrefix, key, expires), nil
}

// escapeKey percent-encodes each segment of key for a URL path.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
