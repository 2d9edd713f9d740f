package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultPartSize is the multipart part size when S3Config.PartSize is 0:
// S3's floor is 5 MiB, and 16 MiB (minio-go's own default) keeps a 100 GiB
// upload under the 10,000-part limit.
const DefaultPartSize = 16 << 20

// maxPresign is the longest life of a SigV4 presigned URL.
const maxPresign = 7 * 24 * time.Hour

// S3Config configures the S3 backend. It works with any S3-compatible
// service: AWS, MinIO, Ceph, Cloudflare R2, and so on.
type S3Config struct {
	Endpoint  string // host[:port], no scheme: "s3.ap-northeast-2.amazonaws.com", "minio:9000"
	Region    string // "" lets the client discover it
	Bucket    string // must exist; NewS3 does not create it
	AccessKey string
	SecretKey string
	UseSSL    bool
	PathStyle bool   // endpoint/bucket/key instead of bucket.endpoint/key (MinIO, most self-hosted services)
	Prefix    string // optional key prefix inside the bucket, e.g. "weaverse/"
	// PublicBaseURL, when set, makes URL return PublicBaseURL + "/" + key +
	// "?exp=…&sig=…" (our HMAC) instead of a presigned URL: for a CDN or our
	// own Handler proxying the bucket.
	PublicBaseURL string
	// PartSize bounds memory per upload: an object up to PartSize goes up in
	// one streamed PUT; a larger or unknown-size one in multipart parts,
	// each buffered once. 0 means DefaultPartSize.
	PartSize uint64
	// Transport, if set, replaces the HTTP transport (a private CA, a
	// proxy, tests).
	Transport http.RoundTripper
	// Now is the clock URL checks expiries against with PublicBaseURL: the
	// one the serving Handler verifies with. nil means time.Now.
	Now func() time.Time
}

// S3 is a Store on an S3-compatible bucket, through minio-go.
type S3 struct {
	client    *minio.Client
	bucket    string
	prefix    string
	publicURL string
	partSize  uint64
	signer    *Signer
	now       func() time.Time
}

// NewS3 connects to the bucket of cfg and checks that it exists, so that a
// wrong endpoint, credential or bucket name fails at start-up.
func NewS3(ctx context.Context, cfg S3Config, signer *Signer) (*S3, error) {
	if signer == nil {
		return nil, errors.New("storage: NewS3 needs a signer")
	}
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("storage: S3 endpoint and bucket are required")
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.UseSSL,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: S3 client: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("storage: S3 bucket %q: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("storage: S3 bucket %q does not exist", cfg.Bucket)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &S3{
		client:    client,
		bucket:    cfg.Bucket,
		prefix:    prefix,
		publicURL: strings.TrimRight(cfg.PublicBaseURL, "/"),
		partSize:  partSize,
		signer:    signer,
		now:       now,
	}, nil
}

// Client exposes the minio client for what Store does not cover (e.g.
// presigned uploads straight from the browser).
func (s *S3) Client() *minio.Client { return s.client }

func (s *S3) object(key string) string { return s.prefix + key }

// mapS3Error turns "no such key" into ErrNotFound. A missing bucket stays a
// plain error: it is misconfiguration, not a missing object.
func mapS3Error(err error) error {
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || (resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket") {
		return ErrNotFound
	}
	return err
}

// Put implements Store. S3 makes an object visible only once its upload
// completes, which gives atomicity; a failed multipart upload is aborted so
// its parts do not linger (and cost) in the bucket.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if contentType == "" {
		contentType = ContentTypeFor(key)
	}
	name := s.object(key)
	if size < 0 {
		// minio-go sends an empty unknown-size body without a
		// Content-Length, which S3 refuses (411); find out whether there
		// is a first byte.
		var first [1]byte
		n, err := io.ReadFull(ctxReader{ctx: ctx, r: r}, first[:])
		switch {
		case err == io.EOF:
			size = 0
		case err != nil:
			return err
		default:
			r = io.MultiReader(bytes.NewReader(first[:n]), r)
		}
	}
	if size >= 0 {
		// As on Local, bytes past size are not read (the HTTP client would
		// otherwise fail the request on finding them).
		r = io.LimitReader(r, size)
	}
	_, err := s.client.PutObject(ctx, s.bucket, name, ctxReader{ctx: ctx, r: r}, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    s.partSize,
	})
	if err == nil {
		return nil
	}
	if size < 0 || uint64(size) > s.partSize {
		// minio-go does not abort a multipart upload that failed part-way;
		// do it here, on a context that outlives a cancelled request.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		_ = s.client.RemoveIncompleteUpload(actx, s.bucket, name)
		cancel()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("storage: S3 put: %w", err)
}

// Stat implements Store with a HEAD request.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, mapS3Error(err)
	}
	return Info{Key: key, Size: oi.Size, ContentType: oi.ContentType, ModTime: oi.LastModified, ETag: oi.ETag}, nil
}

// Open implements Store. It only stats the object; bytes are fetched by
// ranged GETs as they are read (see s3Object).
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &s3Object{ctx: ctx, s: s, info: info, readEnd: -1}, nil
}

// Delete implements Store; S3 deletes are idempotent already.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	return mapS3Error(s.client.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{}))
}

// DeletePrefix implements Store with a listing fed into multi-object
// deletes (1,000 keys per request), streamed rather than collected.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	listed := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.object(prefix), Recursive: true})
	toDelete := make(chan minio.ObjectInfo)
	listDone := make(chan struct{})
	var listErr error
	go func() {
		defer close(listDone)
		defer close(toDelete)
		for oi := range listed {
			if oi.Err != nil {
				listErr = oi.Err
				cancel() // stop the deletes too; the caller will retry
				return
			}
			select {
			case toDelete <- oi:
			case <-ctx.Done():
				return
			}
		}
	}()
	var errs []error
	for rerr := range s.client.RemoveObjects(ctx, s.bucket, toDelete, minio.RemoveObjectsOptions{}) {
		errs = append(errs, fmt.Errorf("storage: S3 delete %q: %w", rerr.ObjectName, rerr.Err))
	}
	// Unblock the lister if the deleter stopped early, then wait for it so
	// that reading listErr is race-free.
	cancel()
	<-listDone
	if listErr != nil {
		errs = append(errs, fmt.Errorf("storage: S3 list: %w", listErr))
	}
	return errors.Join(errs...)
}

// List implements Store.
func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := validateListPrefix(prefix); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine if we return early
	var out []Info
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.object(prefix), Recursive: true}) {
		if oi.Err != nil {
			return nil, fmt.Errorf("storage: S3 list: %w", oi.Err)
		}
		key := strings.TrimPrefix(oi.Key, s.prefix)
		out = append(out, Info{Key: key, Size: oi.Size, ContentType: ContentTypeFor(key), ModTime: oi.LastModified, ETag: oi.ETag})
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// URL implements Store: a SigV4 presigned GET (at most 7 days), or, with
// PublicBaseURL, that base plus our own HMAC parameters.
func (s *S3) URL(ctx context.Context, key string, expires time.Time) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	now := s.now()
	if err := checkExpiry(expires, now); err != nil {
		return "", err
	}
	if s.publicURL != "" {
		return s.signer.URL(s.publicURL, key, expires), nil
	}
	d := expires.Sub(now).Truncate(time.Second)
	if d < time.Second {
		d = time.Second
	}
	if d > maxPresign {
		return "", errors.New("storage: a presigned S3 URL cannot last more than 7 days")
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.object(key), d, nil)
	if err != nil {
		return "", fmt.Errorf("storage: presign: %w", err)
	}
	return u.String(), nil
}

// s3Object reads an object lazily: nothing is fetched until Read, and
// each GET asks for the bytes from the current offset up to readEnd (or the
// end of the object), so a Seek costs nothing until the next Read. Every GET
// carries If-Match with the ETag seen at Open, so a reader never splices two
// versions of an object; it gets an error instead. Reads use the context
// given to Open.
type s3Object struct {
	ctx  context.Context
	s    *S3
	info Info

	off     int64         // offset of the next byte Read returns
	body    io.ReadCloser // current GET's body, nil when none is open
	bodyEnd int64         // last offset (inclusive) the current body covers
	readEnd int64         // if >= 0, last offset the next GET needs (set by Handler for a Range)
}

func (o *s3Object) Info() Info { return o.info }

// setReadEnd narrows the next GET to end at offset end (inclusive), so that
// serving "bytes=0-1023" of a 2 GiB video downloads 1 KiB, not a body we
// would abandon.
func (o *s3Object) setReadEnd(end int64) {
	o.closeBody()
	o.readEnd = end
}

func (o *s3Object) Read(p []byte) (int, error) {
	if o.off >= o.info.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if o.body == nil {
		if err := o.get(); err != nil {
			return 0, err
		}
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	if err == io.EOF {
		o.closeBody()
		if o.off != o.bodyEnd+1 {
			return n, fmt.Errorf("storage: S3 body ended at %d, want %d: %w", o.off, o.bodyEnd+1, io.ErrUnexpectedEOF)
		}
		if o.off >= o.info.Size {
			return n, io.EOF
		}
		return n, nil // the next Read starts another GET
	}
	return n, err
}

// get opens a ranged GET from o.off.
func (o *s3Object) get() error {
	end := o.info.Size - 1
	if o.readEnd >= o.off && o.readEnd < end {
		end = o.readEnd
	}
	o.readEnd = -1
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(o.off, end); err != nil {
		return err
	}
	if o.info.ETag != "" {
		if err := opts.SetMatchETag(o.info.ETag); err != nil {
			return err
		}
	}
	body, _, _, err := minio.Core{Client: o.s.client}.GetObject(o.ctx, o.s.bucket, o.s.object(o.info.Key), opts)
	if err != nil {
		if resp := minio.ToErrorResponse(err); resp.StatusCode == http.StatusPreconditionFailed {
			return fmt.Errorf("storage: S3 object %q changed while being read", o.info.Key)
		}
		return mapS3Error(err)
	}
	o.body, o.bodyEnd = body, end
	return nil
}

func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = o.off + offset
	case io.SeekEnd:
		abs = o.info.Size + offset
	default:
		return 0, errors.New("storage: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("storage: negative position")
	}
	if abs != o.off {
		o.closeBody()
		o.off = abs
	}
	return abs, nil
}

func (o *s3Object) closeBody() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

func (o *s3Object) Close() error {
	o.closeBody()
	return nil
}
