// Package storage is the blob store for media: uploaded images and videos,
// HLS playlists and segments, posters. Two backends implement Store: Local
// (a directory, the default for a single binary) and S3 (any S3-compatible
// service, for several instances behind a load balancer).
//
// Everything streams. Media objects run to gigabytes, so no code path here
// holds a whole object in memory: Put copies from the reader to a temp file
// (Local) or to the network (S3, at most one multipart part buffered), Open
// returns a seekable reader that fetches only what is read, and Handler
// serves single byte ranges straight from it.
//
// Clients fetch objects through URLs that expire: an HMAC over (key, expiry)
// checked by Handler for Local (and for S3 behind our own proxy or CDN), or
// an S3 presigned URL.
package storage

import (
	"context"
	"errors"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Store is a blob store. Keys are slash-separated relative paths
// ("videos/42/hls/720p/seg-00001.ts"), checked by ValidateKey; an invalid key
// is ErrInvalidKey. Every method is safe for concurrent use.
type Store interface {
	// Put stores the bytes of r under key, replacing any previous object. It
	// streams: memory use does not grow with the object's size. size is the
	// exact length, or -1 when unknown; with size >= 0 a reader that ends
	// early is an error, and bytes past size are not read. contentType may be
	// "" to derive it from the key's extension (ContentTypeFor); Local always
	// derives it, since a plain file keeps no metadata. Put is atomic: readers
	// see the old object or the whole new one, and a failed or cancelled Put
	// leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the object for reading, or ErrNotFound. The Object reads
	// lazily and must be closed.
	Open(ctx context.Context, key string) (Object, error)
	// Stat returns the object's metadata, or ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object. Deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key starts with prefix. The
	// prefix must end with "/" ("videos/42/"), so that "videos/42" can never
	// take "videos/420/…" with it by accident.
	DeletePrefix(ctx context.Context, prefix string) error
	// List returns the objects whose keys start with prefix (a plain string
	// prefix, as in S3), sorted by key. It collects the whole listing, so
	// keep it to bounded sets such as one video's files. ContentType is the
	// one derived from the key's extension (S3 listings do not carry it).
	List(ctx context.Context, prefix string) ([]Info, error)
	// URL returns a URL at which a client can GET the object until expires,
	// which must lie in the future. It does no I/O and does not check that
	// the object exists.
	URL(ctx context.Context, key string, expires time.Time) (string, error)
}

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
	// ETag changes whenever the content does; it is unquoted here and
	// quoted by Handler.
	ETag string
}

// Object is an open object. Seek makes byte ranges cheap: Local's is a file
// seek, S3's only moves the offset that the next ranged GET starts from.
type Object interface {
	io.ReadSeekCloser
	Info() Info
}

// The errors of this package; match them with errors.Is.
var (
	ErrNotFound     = errors.New("storage: object not found")
	ErrInvalidKey   = errors.New("storage: invalid key")
	ErrExpired      = errors.New("storage: signed URL expired")
	ErrBadSignature = errors.New("storage: bad URL signature")
)

// MaxKeyLen is the longest key accepted, in bytes. S3 allows 1024 bytes for
// the whole object name; half of that leaves room for a configured prefix.
const MaxKeyLen = 512

// MaxSegmentLen is the longest segment of a key, in bytes: the file-name
// limit of common filesystems, so every key Local accepts fits on disk.
const MaxSegmentLen = 255

// ValidateKey reports whether key is acceptable, as ErrInvalidKey (wrapped
// with the reason) or nil. A key is non-empty valid UTF-8 of at most
// MaxKeyLen bytes, made of "/"-separated segments of at most MaxSegmentLen
// bytes that are not empty, not
// "." or "..", and do not start with "." (which keeps hidden files out and
// reserves names such as Local's temp directory); no backslash, NUL or other
// control character. The rules are the same for every backend so that keys
// move between them, and strict because a key becomes a file path on Local.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return invalidKey("empty")
	case len(key) > MaxKeyLen:
		return invalidKey("longer than 512 bytes")
	case !utf8.ValidString(key):
		return invalidKey("not UTF-8")
	case strings.HasPrefix(key, "/"):
		return invalidKey("absolute")
	case strings.ContainsRune(key, '\\'):
		return invalidKey("contains a backslash")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return invalidKey("contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return invalidKey("empty segment")
		case seg == "." || seg == "..":
			return invalidKey("dot segment")
		case strings.HasPrefix(seg, "."):
			return invalidKey("hidden segment")
		case len(seg) > MaxSegmentLen:
			return invalidKey("segment longer than 255 bytes")
		}
	}
	return nil
}

func invalidKey(why string) error {
	return &keyError{why: why}
}

// keyError says why a key was refused while matching ErrInvalidKey. The key
// itself is left out: it is user-influenced and would land in logs.
type keyError struct{ why string }

func (e *keyError) Error() string        { return ErrInvalidKey.Error() + ": " + e.why }
func (e *keyError) Is(target error) bool { return target == ErrInvalidKey }

// validatePrefix checks a DeletePrefix prefix: a valid key followed by "/".
func validatePrefix(prefix string) error {
	dir, ok := strings.CutSuffix(prefix, "/")
	if !ok {
		return invalidKey("prefix must end with /")
	}
	return ValidateKey(dir)
}

// validateListPrefix checks a List prefix. Any prefix of a valid key is
// fine, including "" and a partial last segment ("videos/4"); only the
// complete segments before the last "/" are checked, since the remainder
// need not be a whole segment.
func validateListPrefix(prefix string) error {
	if len(prefix) > MaxKeyLen {
		return invalidKey("longer than 512 bytes")
	}
	if prefix == "" {
		return nil
	}
	if strings.ContainsAny(prefix, "\\\x00") {
		return invalidKey("contains a backslash or NUL")
	}
	dir, rest := path.Split(prefix)
	if rest == "." || rest == ".." {
		return invalidKey("dot segment")
	}
	if dir == "" {
		return nil
	}
	return ValidateKey(strings.TrimSuffix(dir, "/"))
}

// contentTypes maps the extensions media uses to the types players expect.
// It is deliberately ours rather than mime.TypeByExtension, whose answers
// depend on the host's /etc/mime.types (several distributions map .ts to
// TypeScript, which breaks HLS playback in Safari).
var contentTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".ts":   "video/mp2t",
	".m4s":  "video/iso.segment",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".m4a":  "audio/mp4",
	".mov":  "video/quicktime",
	".webm": "video/webm",
	".mkv":  "video/x-matroska",
	".mp3":  "audio/mpeg",
	".aac":  "audio/aac",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".webp": "image/webp",
	".gif":  "image/gif",
	".avif": "image/avif",
	".vtt":  "text/vtt",
	".srt":  "application/x-subrip",
	".pdf":  "application/pdf",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

// ContentTypeFor returns the content type implied by key's extension
// (case-insensitive), or "application/octet-stream".
func ContentTypeFor(key string) string {
	if ct, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok {
		return ct
	}
	return "application/octet-stream"
}

// checkExpiry refuses an expiry that is not in the future: such a URL could
// never be used, so asking for one is a bug at the caller.
func checkExpiry(expires, now time.Time) error {
	if !expires.After(now) {
		return errors.New("storage: URL expiry is not in the future")
	}
	return nil
}

// ctxReader makes a long copy notice cancellation between reads: a Put of a
// large upload must stop promptly when its request is abandoned.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
