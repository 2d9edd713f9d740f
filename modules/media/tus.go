package media

// Resumable video uploads: the tus 1.0 protocol (https://tus.io), served by
// tusd's handler under /api/videos/tus/.
//
//	POST   /api/videos/tus/        create (Upload-Length, Upload-Metadata: filename, title)
//	HEAD   /api/videos/tus/{id}    the offset to resume from
//	PATCH  /api/videos/tus/{id}    append a chunk (Upload-Offset, application/offset+octet-stream)
//	DELETE /api/videos/tus/{id}    abandon the upload
//	GET    /api/videos/tus/{id}/video   {video_id} once the upload became a video
//
// Every request needs media.video/manage (tutors, admins), and an upload is
// its creator's alone: anyone else gets 404. When the last byte arrives the
// file is ingested exactly like a multipart upload (probe → original stored
// → row → transcoding job) before the final PATCH is answered: its response
// carries the new video's id in Weaverse-Video-Id, or the problem (413, 415,
// 422…) if the file is refused. Either way the tus file is removed then.
//
// Bodies are streamed, never buffered: requests are bridged from Fiber to
// tusd's net/http handler by serveTus below rather than by Fiber's adaptor
// (middleware/adaptor), because the adaptor (fasthttpadaptor.ConvertRequest)
// calls ctx.PostBody(), which reads a streamed body whole into memory (so a
// client's 2 GiB PATCH would cost 2 GiB of heap), and on a read error
// replaces the body with the error's text, which tusd would then append to
// the upload as data. With the bridge, tusd reads the fasthttp body stream
// directly: memory per request is a few copy buffers whatever the chunk size,
// and an interrupted PATCH keeps the bytes that arrived (the client resumes
// from the offset HEAD reports).
//
// Deployment: several instances behind a load balancer may each serve any
// request of an upload when the upload directory (<data_dir>/uploads/tus)
// is one shared volume (NFS, EFS…) mounted at the same path on all of them:
// tusd's filestore keeps an upload in progress there as two files, and the
// .info file records the data file's path. The rest is in the database: the
// lock that keeps two requests off one upload is a lease in media_tus_locks
// (dbLocker, tuslock.go; tusd's memorylocker only locks within a process),
// and what a finished upload became is kept in media_tus_uploads, so HEAD
// and GET …/video answer on every instance and after a restart. Without a
// shared volume, route /api/videos/tus/ to one instance (sticky sessions):
// the outcomes still answer everywhere, uploads in progress do not.
// Abandoned uploads and remembered outcomes are removed after tusExpiry.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

const (
	// TusPath is where resumable uploads are served.
	TusPath = "/api/videos/tus/"
	// VideoIDHeader carries the id of the video a completed resumable upload
	// became, on the final PATCH (and on HEAD afterwards).
	VideoIDHeader = "Weaverse-Video-Id"

	// tusExpiry is how long an upload may sit unfinished (since its last
	// chunk) before it is removed, and how long the outcome of a finished
	// one is remembered for GET …/video.
	tusExpiry = 24 * time.Hour
	// tusIngestTimeout bounds the work after the last chunk (copy, probe,
	// storing the original), which outlives the request's own deadline.
	tusIngestTimeout = 30 * time.Minute
	// metaOwner is the upload metadata key holding the creator's user id;
	// it is set by the server, whatever the client sent.
	metaOwner = "weaverse-owner"
)

var (
	errUploadNotFound   = apperr.New(apperr.NotFound, "media.upload_not_found", "media.not_found")
	errUploadIncomplete = apperr.New(apperr.Conflict, "media.upload_incomplete", "media.upload_incomplete")
	// tusd's ids are 32 hex digits (filestore: uid.Uid); anything else never
	// reaches the store (the id becomes a file name).
	reUploadID = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// tusServer is the module's tusd handler. What it knows of finished uploads
// is in media_tus_uploads, not in memory.
type tusServer struct {
	s       *service
	h       *tusd.UnroutedHandler
	mux     http.Handler
	uploads filestore.FileStore
	locker  *dbLocker
	dir     string
	logger  *slog.Logger

	mu        sync.Mutex
	lastPrune time.Time
}

// tusCall is one request's state shared with tusd's callbacks (through the
// request context): who calls, and why the completion was refused.
type tusCall struct {
	p   *authz.Principal
	err error
}

type tusCallKey struct{}

// tusRoutes mounts resumable uploads. tusd runs inside the Fiber handlers,
// after the platform middleware (authentication, body guard, access log).
func (m *Module) tusRoutes(r fiber.Router) {
	dir := m.deps.UploadDir
	if dir == "" {
		dir = filepath.Join(m.deps.TempDir, "weaverse-tus")
	}
	t, err := m.newTus(dir)
	if err != nil {
		// Without a tus directory the rest of the module still works.
		m.deps.Logger.Error("resumable uploads unavailable", "err", err)
		r.All(TusPath+"*", func(*fiber.Ctx) error {
			return apperr.New(apperr.Unavailable, "media.tus_unavailable", "media.tus_unavailable")
		})
		return
	}
	// The periodic sweeper prunes too, so abandoned uploads go even when
	// nobody starts a new one.
	m.svc.pruneUploads = t.prune
	r.Post(strings.TrimSuffix(TusPath, "/"), drain(t.create))
	r.Options(strings.TrimSuffix(TusPath, "/"), drain(t.options))
	r.Head(TusPath+":id", drain(t.upload))
	r.Patch(TusPath+":id", drain(t.upload))
	r.Post(TusPath+":id", drain(t.upload)) // PATCH or DELETE with X-HTTP-Method-Override
	r.Delete(TusPath+":id", drain(t.upload))
	r.Get(TusPath+":id/video", drain(t.result))
}

func (m *Module) newTus(dir string) (*tusServer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	uploads := filestore.New(dir)
	uploads.DirModePerm, uploads.FileModePerm = 0o700, 0o600
	composer := tusd.NewStoreComposer()
	// Deliberately no concatenation, deferred length or downloads.
	composer.UseCore(uploads)
	composer.UseTerminater(uploads)
	logger := m.deps.Logger.With("component", "tus")
	locker := newDBLocker(m.deps.DB, logger, tusLockLease, tusLockPoll)
	composer.UseLocker(locker)
	t := &tusServer{s: m.svc, uploads: uploads, locker: locker, dir: dir, logger: logger}
	h, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:             composer,
		BasePath:                  TusPath,
		MaxSize:                   m.svc.limits.VideoBytes,
		DisableDownload:           true,
		DisableConcatenation:      true,
		Cors:                      &tusd.CorsConfig{Disable: true}, // same origin only, like the rest of the API
		PreUploadCreateCallback:   t.preCreate,
		PreFinishResponseCallback: t.preFinish,
		Logger:                    xslog.New(tusLog{t.logger.Handler()}),
	})
	if err != nil {
		return nil, err
	}
	t.h = h
	t.mux = h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			h.PostFile(w, r)
		case http.MethodHead:
			h.HeadFile(w, r)
		case http.MethodPatch:
			h.PatchFile(w, r)
		case http.MethodDelete:
			h.DelFile(w, r)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}))
	return t, nil
}

// ---- Fiber handlers -----------------------------------------------------------

// caller checks the caller may upload videos.
func (t *tusServer) caller(c *fiber.Ctx) (*authz.Principal, error) {
	p := authz.PrincipalFrom(c.UserContext())
	if err := t.s.authz.Check(p, "media.video", "manage"); err != nil {
		return nil, err
	}
	return p, nil
}

// callerUpload checks the caller may upload videos and returns the id of
// the upload the path names.
func (t *tusServer) callerUpload(c *fiber.Ctx) (*authz.Principal, string, error) {
	p, err := t.caller(c)
	if err != nil {
		return nil, "", err
	}
	id := c.Params("id")
	if !reUploadID.MatchString(id) {
		return nil, "", errUploadNotFound
	}
	return p, id, nil
}

// options answers protocol discovery (Tus-Version, Tus-Max-Size…).
func (t *tusServer) options(c *fiber.Ctx) error {
	p, err := t.caller(c)
	if err != nil {
		return err
	}
	return t.serve(c, p, "")
}

// create is POST: the size is checked against the video limit here so the
// refusal is the same problem as a multipart upload's.
func (t *tusServer) create(c *fiber.Ctx) error {
	p, err := t.caller(c)
	if err != nil {
		return err
	}
	if !t.s.hasFF {
		return errNoTranscoding
	}
	if n, err := strconv.ParseInt(c.Get("Upload-Length"), 10, 64); err == nil && n > t.s.limits.VideoBytes {
		return apperr.New(apperr.TooLarge, "media.video_too_large", "media.video_too_large").
			With(map[string]any{"MiB": t.s.limits.VideoBytes >> 20})
	}
	t.prune()
	return t.serve(c, p, "")
}

// upload is HEAD, PATCH and DELETE on one upload, the caller's own only.
func (t *tusServer) upload(c *fiber.Ctx) error {
	p, id, err := t.callerUpload(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if o, ok, err := t.s.uploadOutcome(ctx, p, id); err != nil {
		return err
	} else if ok {
		return t.finished(c, o)
	}
	if _, err := t.owned(ctx, id, p); err != nil {
		return err
	}
	err = t.serve(c, p, id)
	if errors.Is(err, errUploadNotFound) && c.Method() == fiber.MethodHead {
		// It finished while this HEAD waited for the final PATCH's lock.
		if o, ok, oerr := t.s.uploadOutcome(ctx, p, id); oerr == nil && ok {
			c.Response().Header.Del("Upload-Offset")
			c.Response().Header.Del("Upload-Length")
			return t.finished(c, o)
		}
	}
	return err
}

// finished answers a request on an upload that finished already (its file
// is gone): a client whose final PATCH response was lost learns from HEAD
// that nothing is left to send, and which video it became. Anything else,
// and HEAD on a refused upload, is 404 (GET …/video names the problem).
func (t *tusServer) finished(c *fiber.Ctx, o tusOutcome) error {
	if c.Method() != fiber.MethodHead || o.err != nil {
		return errUploadNotFound
	}
	c.Set("Tus-Resumable", "1.0.0")
	c.Set("Cache-Control", "no-store")
	c.Set("Upload-Offset", strconv.FormatInt(o.size, 10))
	c.Set("Upload-Length", strconv.FormatInt(o.size, 10))
	c.Set(VideoIDHeader, strconv.FormatInt(o.videoID, 10))
	return c.SendStatus(http.StatusOK)
}

// result is GET …/{id}/video: the video a finished upload became, or the
// problem that refused it.
func (t *tusServer) result(c *fiber.Ctx) error {
	p, id, err := t.callerUpload(c)
	if err != nil {
		return err
	}
	o, ok, err := t.s.uploadOutcome(c.UserContext(), p, id)
	if err != nil {
		return err
	}
	if ok {
		if o.err != nil {
			return o.err
		}
		return c.JSON(fiber.Map{"video_id": o.videoID})
	}
	if _, err := t.owned(c.UserContext(), id, p); err != nil {
		return err
	}
	return errUploadIncomplete
}

// owned returns the info of an upload in progress that p created.
func (t *tusServer) owned(ctx context.Context, id string, p *authz.Principal) (tusd.FileInfo, error) {
	up, err := t.uploads.GetUpload(ctx, id)
	if err != nil {
		if errors.Is(err, tusd.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return tusd.FileInfo{}, errUploadNotFound
		}
		return tusd.FileInfo{}, err
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		return tusd.FileInfo{}, err
	}
	if info.MetaData[metaOwner] != strconv.FormatInt(p.UserID, 10) {
		return tusd.FileInfo{}, errUploadNotFound
	}
	return info, nil
}

// ---- tusd callbacks -----------------------------------------------------------

func callOf(ctx context.Context) *tusCall {
	c, _ := ctx.Value(tusCallKey{}).(*tusCall)
	return c
}

// preCreate replaces the client's metadata with the fields we use and the
// creator's id.
func (t *tusServer) preCreate(ev tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	call := callOf(ev.Context)
	if call == nil || call.p == nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusd.NewError("ERR_UNAUTHENTICATED", "not signed in", http.StatusUnauthorized)
	}
	meta := map[string]string{metaOwner: strconv.FormatInt(call.p.UserID, 10)}
	for _, k := range []string{"filename", "title"} {
		if v := trim(ev.Upload.MetaData[k], 200); v != "" {
			meta[k] = v
		}
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{MetaData: meta}, nil
}

// preFinish ingests a completed upload like a multipart one, removes the tus
// file and answers with the video's id. A refusal (not a video, too long…)
// is kept in the request's tusCall and becomes the final PATCH's problem.
func (t *tusServer) preFinish(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
	call := callOf(ev.Context)
	info := ev.Upload
	owner, _ := strconv.ParseInt(info.MetaData[metaOwner], 10, 64)
	if call == nil || call.p == nil || call.p.UserID != owner {
		return tusd.HTTPResponse{}, tusd.NewError("ERR_UPLOAD_NOT_FOUND", "upload not found", http.StatusNotFound)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ev.Context), tusIngestTimeout)
	defer cancel()
	v, err := t.ingest(ctx, call.p, info)
	// Remembered before the file goes, so that every request from now on
	// finds one or the other.
	if rerr := t.s.rememberUpload(ctx, info.ID, tusOutcome{owner: owner, size: info.Size, videoID: v.ID, err: err}); rerr != nil {
		t.logger.ErrorContext(ctx, "remembering a finished upload", "upload", info.ID, "err", rerr)
	}
	if up, gerr := t.uploads.GetUpload(ctx, info.ID); gerr == nil {
		if terr := t.uploads.AsTerminatableUpload(up).Terminate(ctx); terr != nil {
			t.logger.WarnContext(ctx, "removing a finished upload", "upload", info.ID, "err", terr)
		}
	}
	if err != nil {
		call.err = err
		// The status only: serveTus answers with the problem document.
		return tusd.HTTPResponse{}, tusd.NewError("ERR_INGEST", "refused", http.StatusUnprocessableEntity)
	}
	return tusd.HTTPResponse{Header: tusd.HTTPHeader{VideoIDHeader: strconv.FormatInt(v.ID, 10)}}, nil
}

// ingest turns a completed tus file into a video through the same
// validation and storage as a multipart upload, reading the tus file in
// place (no second copy on disk).
func (t *tusServer) ingest(ctx context.Context, p *authz.Principal, info tusd.FileInfo) (Video, error) {
	path := info.Storage[filestore.StorageKeyPath]
	if path == "" || filepath.Dir(path) != filepath.Clean(t.dir) {
		return Video{}, fmt.Errorf("tus upload %s: unexpected path %q", info.ID, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Video{}, err
	}
	defer f.Close()
	title := info.MetaData["title"]
	if title == "" {
		title = strings.TrimSuffix(info.MetaData["filename"], filepath.Ext(info.MetaData["filename"]))
	}
	if !t.s.hasFF {
		return Video{}, errNoTranscoding
	}
	return t.s.ingestVideo(ctx, p, f, info.Size, title)
}

// prune removes, at most once an hour and in the background, uploads left
// unfinished for tusExpiry (by the time of their last chunk), outcomes
// older than that, and leases whose holders died. Every instance does it
// on its own (on POST): the deletes are idempotent, and an upload is
// removed under its lock, so a client resuming at that moment is not cut.
func (t *tusServer) prune() {
	now := t.s.clock.Now()
	t.mu.Lock()
	if !t.lastPrune.IsZero() && now.Sub(t.lastPrune) < time.Hour {
		t.mu.Unlock()
		return
	}
	t.lastPrune = now
	t.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := t.s.pruneOutcomes(ctx, now); err != nil {
			t.logger.WarnContext(ctx, "pruning finished uploads", "err", err)
		}
		if err := t.locker.pruneLocks(ctx); err != nil {
			t.logger.WarnContext(ctx, "pruning upload locks", "err", err)
		}
		infos, _ := filepath.Glob(filepath.Join(t.dir, "*.info"))
		for _, ip := range infos {
			id := strings.TrimSuffix(filepath.Base(ip), ".info")
			if !reUploadID.MatchString(id) || !t.stale(id) {
				continue
			}
			if err := t.removeStale(ctx, id); err != nil {
				t.logger.WarnContext(ctx, "removing an abandoned upload", "upload", id, "err", err)
			}
		}
	}()
}

// stale reports whether an upload's last chunk is older than tusExpiry
// (file times are the wall clock's).
func (t *tusServer) stale(id string) bool {
	st, err := os.Stat(filepath.Join(t.dir, id))
	return err == nil && time.Since(st.ModTime()) >= tusExpiry
}

// removeStale terminates an abandoned upload under its lock, unless a
// request holds it or a chunk arrived meanwhile.
func (t *tusServer) removeStale(ctx context.Context, id string) error {
	lk, ok, err := t.locker.tryLock(ctx, id)
	if err != nil || !ok {
		return err // !ok: in use after all
	}
	defer func() { _ = lk.Unlock() }()
	if !t.stale(id) {
		return nil
	}
	up, err := t.uploads.GetUpload(ctx, id)
	if err != nil {
		if errors.Is(err, tusd.ErrNotFound) {
			return nil
		}
		return err
	}
	return t.uploads.AsTerminatableUpload(up).Terminate(ctx)
}

// ---- the Fiber → net/http bridge --------------------------------------------

// serve runs tusd on the Fiber request. The request body is handed to tusd
// as the fasthttp body stream (or the small body fasthttp read already), so
// nothing is buffered beyond tusd's copy buffer. tusd's text errors become
// problem documents; the tus headers (Tus-Resumable, Upload-Offset) stay.
func (t *tusServer) serve(c *fiber.Ctx, p *authz.Principal, id string) error {
	call := &tusCall{p: p}
	// The request's deadline (httpx.Timeout) would cut a long PATCH short;
	// tusd has its own network timeouts (SetReadDeadline below). The context
	// ends with the request, as net/http's does: tusd's per-request
	// goroutines wait for that.
	ctx, cancel := context.WithCancel(context.WithValue(context.WithoutCancel(c.UserContext()), tusCallKey{}, call))
	defer cancel()
	fr := c.Request()
	var body io.Reader = http.NoBody
	if fr.IsBodyStream() {
		body = &eofReader{r: fr.BodyStream()}
		c.Locals(eofKey{}, body)
	} else if b := fr.Body(); len(b) > 0 {
		body = bytes.NewReader(b)
	}
	r, err := http.NewRequestWithContext(ctx, c.Method(), "/"+id, body)
	if err != nil {
		return err
	}
	r.ContentLength = int64(fr.Header.ContentLength())
	if r.ContentLength < 0 {
		r.ContentLength = -1 // chunked or until close: unknown
	}
	r.Host = c.Hostname()
	r.RemoteAddr = c.Context().RemoteAddr().String()
	r.RequestURI = c.OriginalURL()
	for k, v := range fr.Header.All() {
		r.Header.Add(string(k), string(v))
	}
	w := &tusWriter{c: c, h: http.Header{}}
	t.mux.ServeHTTP(w, r)
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if call.err != nil {
		return call.err
	}
	if loc := w.h.Get("Location"); loc != "" {
		// tusd builds the URL from the Host header and the connection; ours
		// knows the trusted proxies' X-Forwarded-Proto/Host.
		c.Set("Location", c.BaseURL()+TusPath+loc[strings.LastIndex(loc, "/")+1:])
	}
	if w.status >= 400 {
		c.Response().ResetBody()
		return tusProblem(w.status, w.body.String())
	}
	return nil
}

// drain leaves the connection clean for its next request. A streamed body
// the handler did not read to the end (a refused PATCH, a cut one) would
// otherwise stay on the connection and be parsed as the next request
// (fasthttp does not discard it: valyala/fasthttp#2368). Up to 256 KiB is
// read and dropped, as net/http does; beyond that the connection is closed.
func drain(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := h(c)
		req := c.Request()
		if !req.IsBodyStream() || req.Header.ContentLength() == 0 {
			return err
		}
		if e, ok := c.Locals(eofKey{}).(*eofReader); ok && e.eof {
			return err
		}
		const max = 256 << 10
		if n, derr := io.CopyN(io.Discard, req.BodyStream(), max); n == max || !errors.Is(derr, io.EOF) {
			c.Context().SetConnectionClose()
		}
		return err
	}
}

type eofKey struct{}

// eofReader notes when its reader is exhausted.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}

// tusProblem maps one of tusd's errors ("ERR_MISMATCHED_OFFSET: mismatched
// offset") to a problem with a stable code (media.tus_mismatched_offset).
func tusProblem(status int, body string) error {
	code, _, _ := strings.Cut(strings.TrimSpace(body), ":")
	code = strings.ToLower(strings.TrimPrefix(code, "ERR_"))
	if code == "" || strings.ContainsAny(code, " \n") {
		code = "error"
	}
	code = "media.tus_" + code
	var kind error
	switch status {
	case http.StatusNotFound, http.StatusGone:
		return errUploadNotFound
	case http.StatusBadRequest:
		kind = apperr.Malformed
	case http.StatusForbidden:
		kind = apperr.Forbidden
	case http.StatusConflict:
		kind = apperr.Conflict
	case http.StatusRequestEntityTooLarge:
		kind = apperr.TooLarge
	case http.StatusUnsupportedMediaType:
		kind = apperr.Unsupported
	default:
		// 412 (Tus-Resumable), 423 (locked), 460 (checksum), 5xx…: tusd's
		// status is the protocol's; keep it.
		return fiber.NewError(status, code)
	}
	return apperr.New(kind, code, code)
}

// tusWriter is the http.ResponseWriter tusd writes to: headers and the
// (small) body go to the Fiber response. It lets tusd set the connection's
// deadlines (its NetworkTimeout between reads) through
// http.ResponseController, so a long PATCH is not cut by the server's
// ReadTimeout while data flows.
type tusWriter struct {
	c      *fiber.Ctx
	h      http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *tusWriter) Header() http.Header { return w.h }

func (w *tusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote, w.status = true, code
	for k, vs := range w.h {
		if k == "Content-Length" || k == "Location" {
			continue
		}
		for _, v := range vs {
			w.c.Response().Header.Add(k, v)
		}
	}
	w.c.Status(code)
}

func (w *tusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.status >= 400 {
		return w.body.Write(b) // becomes a problem document
	}
	w.c.Response().AppendBody(b)
	return len(b), nil
}

func (w *tusWriter) SetReadDeadline(d time.Time) error {
	if conn := w.c.Context().Conn(); conn != nil {
		return conn.SetReadDeadline(d)
	}
	return nil
}

func (w *tusWriter) SetWriteDeadline(d time.Time) error {
	if conn := w.c.Context().Conn(); conn != nil {
		return conn.SetWriteDeadline(d)
	}
	return nil
}

// tusLog hands tusd's warnings and errors (golang.org/x/exp/slog, which
// tusd still uses) to the module's logger, errors as warnings: a client
// dropping its connection mid-chunk is routine for tus. tusd's per-request
// Info lines are dropped (the access log has the requests).
type tusLog struct{ h slog.Handler }

func (l tusLog) Enabled(ctx context.Context, lv xslog.Level) bool {
	return lv >= xslog.LevelWarn && l.h.Enabled(ctx, slog.LevelWarn)
}

func (l tusLog) Handle(ctx context.Context, r xslog.Record) error {
	rec := slog.NewRecord(r.Time, slog.LevelWarn, "tusd: "+r.Message, r.PC)
	r.Attrs(func(a xslog.Attr) bool {
		rec.AddAttrs(slog.Any(a.Key, a.Value.Any()))
		return true
	})
	return l.h.Handle(ctx, rec)
}

func (l tusLog) WithAttrs(as []xslog.Attr) xslog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = slog.Any(a.Key, a.Value.Any())
	}
	return tusLog{l.h.WithAttrs(out)}
}

func (l tusLog) WithGroup(g string) xslog.Handler { return tusLog{l.h.WithGroup(g)} }
