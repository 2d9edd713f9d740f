package storage

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/spf13/afero"
)

// testSigner returns a Signer with a fixed key, distinct per seed.
func testSigner(seed byte) *Signer {
	return NewSigner(bytes.Repeat([]byte{seed}, SignerKeySize))
}

// harness builds one backend for the conformance suite.
type harness struct {
	name string
	new  func(t *testing.T) Store
	// leftovers lists what a failed Put may have left behind outside the
	// object namespace: temp files (Local) or unfinished multipart uploads
	// (S3). It must be empty after any Put returns.
	leftovers func(t *testing.T, st Store) []string
	// heapBacked means the backend keeps object bytes in this process's
	// heap (gofakes3's memory backend), so the streaming memory bound
	// cannot be measured against it.
	heapBacked bool
	// only, if set, limits the suite to these cases.
	only []string
}

func harnesses() []harness {
	return []harness{
		{name: "Local", new: newTestLocal, leftovers: localLeftovers},
		{
			name:       "S3mem",
			heapBacked: true,
			leftovers:  s3Leftovers,
			new: func(t *testing.T) Store {
				// A small part size sends anything above 5 MiB through the
				// multipart paths, which the tests then exercise.
				return newFakeS3(t, s3mem.New(), S3Config{PartSize: 5 << 20})
			},
		},
		{
			// The same fake with objects on disk, so that the heap measured
			// by the big-stream test is our client's alone. The part size
			// lets 50 MiB go up as one streamed PUT: gofakes3 would hold
			// multipart parts in memory itself.
			// Only the big stream runs here: the fake's afero backend cannot
			// hold both "a" and "a/b" nor 512-byte names, which S3 can.
			name:      "S3disk",
			only:      []string{"BigStream"},
			leftovers: s3Leftovers,
			new: func(t *testing.T) Store {
				fsys, err := s3afero.NewBasePathFs(afero.NewOsFs(), t.TempDir(), s3afero.FsPathCreateAll)
				if err != nil {
					t.Fatal(err)
				}
				backend, err := s3afero.MultiBucket(fsys)
				if err != nil {
					t.Fatal(err)
				}
				return newFakeS3(t, backend, S3Config{PartSize: 64 << 20})
			},
		},
	}
}

func newTestLocal(t *testing.T) Store {
	t.Helper()
	l, err := NewLocal(t.TempDir(), testSigner(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func localLeftovers(t *testing.T, st Store) []string {
	t.Helper()
	entries, err := fs.ReadDir(st.(*Local).root.FS(), tmpDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func s3Leftovers(t *testing.T, st Store) []string {
	t.Helper()
	s := st.(*S3)
	res, err := minio.Core{Client: s.client}.ListMultipartUploads(context.Background(), s.bucket, "", "", "", "", 1000)
	if minio.ToErrorResponse(err).Code == "NoSuchUpload" {
		return nil // gofakes3's answer when no upload was ever started in the bucket
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range res.Uploads {
		out = append(out, "multipart upload of "+u.Key)
	}
	return out
}

// fakeClients holds, per S3 store under test, an HTTP client that trusts
// its fake's test certificate (for fetching presigned URLs).
var (
	fakeClients   = map[*S3]*http.Client{}
	fakeClientsMu sync.Mutex
)

// newFakeS3 serves backend with gofakes3 on 127.0.0.1 and returns an S3
// store on bucket "media" under prefix "app/" (so prefix handling is always
// exercised), path-style as MinIO and most self-hosted services need.
func newFakeS3(t *testing.T, backend gofakes3.Backend, cfg S3Config) *S3 {
	t.Helper()
	return newFakeS3With(t, backend, cfg, nil)
}

// newFakeS3With is newFakeS3 with wrap, if not nil, around the fake's
// handler (to observe the requests our client makes).
func newFakeS3With(t *testing.T, backend gofakes3.Backend, cfg S3Config, wrap func(http.Handler) http.Handler) *S3 {
	t.Helper()
	if err := backend.CreateBucket("media"); err != nil {
		t.Fatal(err)
	}
	// TLS, as in production, and because over plain HTTP minio-go signs
	// uploads with aws-chunked streaming, which gofakes3 does not decode
	// for multipart parts (it would store the chunk framing).
	h := gofakes3.New(backend).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short at Close are noise
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg.Endpoint = strings.TrimPrefix(srv.URL, "https://")
	cfg.UseSSL = true
	cfg.Transport = srv.Client().Transport
	cfg.Region = "us-east-1"
	cfg.Bucket = "media"
	cfg.AccessKey, cfg.SecretKey = "test-access", "test-secret"
	cfg.PathStyle = true
	if cfg.Prefix == "" {
		cfg.Prefix = "app/"
	}
	s, err := NewS3(context.Background(), cfg, testSigner(1))
	if err != nil {
		t.Fatal(err)
	}
	fakeClientsMu.Lock()
	fakeClients[s] = srv.Client()
	fakeClientsMu.Unlock()
	return s
}

// dirFiles lists the regular files under dir, relative, for assertions.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
