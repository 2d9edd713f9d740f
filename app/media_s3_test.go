package app_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/storage"
	"github.com/weaverse/weaverse/platform/testkit"
)

// With media.storage=s3, every media URL a browser loads (image variants,
// the HLS playlists and segments, the poster, the MP4 fallback) is a path
// on our own origin, served by the signed /media handler from the bucket:
// none points at the S3 host, so the content security policy's 'self'
// (img-src, media-src, connect-src for hls.js) allows them all, and the
// bucket can stay private.
func TestS3MediaURLsStayOnOurOrigin(t *testing.T) {
	t.Parallel()
	var clip []byte
	if haveFFmpeg(t) {
		clip = mediaClip(t, 2)
	}
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		backend := s3mem.New()
		testkit.Must(t, backend.CreateBucket("media"))
		// Plain HTTP: gofakes3 decodes minio-go's aws-chunked bodies for
		// single PUTs, and every object here is far below a multipart part.
		srv := httptest.NewUnstartedServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Start()
		t.Cleanup(srv.Close)
		s3Host := strings.TrimPrefix(srv.URL, "http://")
		// The app's fixed test clock (in the past) signs and checks every
		// URL: the S3 store uses the app's clock, not the wall clock.
		ta := apptest.New(t, dialect, func(cfg *config.Config, _ *app.Options) {
			cfg.Media.Storage = "s3"
			cfg.Media.S3 = config.S3{Endpoint: s3Host, Region: "us-east-1", Bucket: "media", AccessKey: "test-access",
				SecretKey: "test-secret", PathStyle: true, Prefix: "weaverse/"}
		})
		if _, ok := ta.App.Store.(*storage.S3); !ok {
			t.Fatalf("media.storage=s3 built a %T", ta.App.Store)
		}
		testkit.Must(t, ta.App.Start(context.Background()))
		csp := ta.Get("/healthz").Status(200).Header.Get("Content-Security-Policy")
		for _, d := range []string{"img-src 'self'", "media-src 'self'", "connect-src 'self'"} {
			if !strings.Contains(csp, d) {
				t.Fatalf("CSP lacks %q: %s", d, csp)
			}
		}
		sameOrigin := func(what, raw string) {
			t.Helper()
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/media/") ||
				strings.Contains(raw, s3Host) || u.Query().Get("sig") == "" {
				t.Fatalf("%s URL %q is not a signed path on our origin", what, raw)
			}
		}

		student := newMediaUser(t, ta, "student", "student")
		var img media.Image
		mediaUpload(ta, "/api/images/upload/", student, "photo.png", mediaPNG(640, 480)).Status(201).JSON(&img)
		if len(img.Variants) == 0 {
			t.Fatalf("image %+v", img)
		}
		for _, v := range img.Variants {
			sameOrigin("image "+v.Name, v.URL)
			if r := ta.Get(v.URL).Status(200); !strings.HasPrefix(r.Header.Get("Content-Type"), "image/") {
				t.Fatalf("image %s: %q", v.Name, r.Header.Get("Content-Type"))
			}
		}
		objects, err := backend.ListBucket("media", nil, gofakes3.ListBucketPage{})
		testkit.Must(t, err)
		if len(objects.Contents) < len(img.Variants) {
			t.Fatalf("the bucket holds %d objects for %d image variants", len(objects.Contents), len(img.Variants))
		}
		for _, o := range objects.Contents {
			if !strings.HasPrefix(o.Key, "weaverse/") {
				t.Fatalf("object %q outside the configured prefix", o.Key)
			}
		}
		if n := mediaFileCount(t, ta); n != 0 {
			t.Fatalf("%d media files on local disk with S3 storage", n)
		}

		if clip == nil {
			t.Log("ffmpeg is not installed: video URLs not checked")
			return
		}
		tutor := newMediaUser(t, ta, "tutor", "tutor")
		v := readyVideo(t, ta, tutor, clip)
		_, free, _ := videoCourse(t, ta, tutor, "s3-video")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free},
			tutor.auth()...).Status(204)
		var pb media.Playback
		ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), student.auth()...).Status(200).JSON(&pb)
		urls := signedURLs(t, ta, pb)
		for what, u := range urls {
			sameOrigin(what, u)
		}
		// Every entry of every playlist, not only the first.
		master := ta.Get(pb.HLSURL).Status(200)
		for _, l := range strings.Split(string(master.Body), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			sameOrigin("media playlist", l)
			for _, s := range strings.Split(string(ta.Get(l).Status(200).Body), "\n") {
				if s != "" && !strings.HasPrefix(s, "#") {
					sameOrigin("segment", s)
				}
			}
		}
	})
}

// With media.s3.direct, browsers load media files straight from the bucket
// through presigned URLs (playlists stay ours: they are rewritten per
// request), and the content security policy names the bucket's origin.
func TestS3DirectMediaURLs(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	testkit.Must(t, backend.CreateBucket("media"))
	srv := httptest.NewUnstartedServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	s3Host := strings.TrimPrefix(srv.URL, "http://")
	ta := apptest.New(t, "sqlite", func(cfg *config.Config, _ *app.Options) {
		cfg.Media.Storage = "s3"
		cfg.Media.S3 = config.S3{Endpoint: s3Host, Region: "us-east-1", Bucket: "media", AccessKey: "test-access",
			SecretKey: "test-secret", PathStyle: true, Direct: true}
	})
	testkit.Must(t, ta.App.Start(context.Background()))
	csp := ta.Get("/healthz").Status(200).Header.Get("Content-Security-Policy")
	for _, d := range []string{"img-src 'self' data: blob: " + srv.URL + ";", "media-src 'self' blob: " + srv.URL + ";",
		"connect-src 'self' " + srv.URL + ";"} {
		if !strings.Contains(csp, d) {
			t.Fatalf("CSP lacks %q: %s", d, csp)
		}
	}
	fromBucket := func(what, raw string) {
		t.Helper()
		if !strings.HasPrefix(raw, srv.URL+"/media/") || !strings.Contains(raw, "X-Amz-Signature=") {
			t.Fatalf("%s URL %q is not presigned on the bucket", what, raw)
		}
		resp, err := http.Get(raw)
		testkit.Must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s from the bucket: %d", what, resp.StatusCode)
		}
	}
	student := newMediaUser(t, ta, "student", "student")
	var img media.Image
	mediaUpload(ta, "/api/images/upload/", student, "photo.png", mediaPNG(64, 48)).Status(201).JSON(&img)
	for _, v := range img.Variants {
		fromBucket("image "+v.Name, v.URL)
	}
	if !haveFFmpeg(t) {
		return
	}
	tutor := newMediaUser(t, ta, "tutor", "tutor")
	v := readyVideo(t, ta, tutor, mediaClip(t, 2))
	_, free, _ := videoCourse(t, ta, tutor, "direct")
	ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free}, tutor.auth()...).Status(204)
	ta.Request(http.MethodPut, fmt.Sprintf("/api/videos/%d/captions/ko/", v.ID), "WEBVTT\n\n00:00.000 --> 00:01.000\n자막\n",
		tutor.auth()...).Status(200)
	var pb media.Playback
	ta.Get(fmt.Sprintf("/api/videos/%d/playback/", v.ID), student.auth()...).Status(200).JSON(&pb)
	// Captions stay on our origin: a <track> of another origin needs CORS.
	if len(pb.Captions) != 1 || !strings.HasPrefix(pb.Captions[0].URL, "/media/videos/") {
		t.Fatalf("captions %+v", pb.Captions)
	}
	ta.Get(pb.Captions[0].URL).Status(200).Contains("자막")
	fromBucket("MP4", pb.MP4URL)
	fromBucket("poster", pb.PosterURL)
	if !strings.HasPrefix(pb.HLSURL, "/media/hls/") {
		t.Fatalf("master playlist %q is not ours", pb.HLSURL)
	}
	segments := 0
	for _, l := range strings.Split(string(ta.Get(pb.HLSURL).Status(200).Body), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, s := range strings.Split(string(ta.Get(l).Status(200).Body), "\n") {
			if s != "" && !strings.HasPrefix(s, "#") {
				fromBucket("segment", s)
				segments++
			}
		}
	}
	if segments == 0 {
		t.Fatal("no segments in the playlists")
	}
}
