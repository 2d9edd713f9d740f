package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/storage"
)

// BundleMedia is what the catalog's bundle import uses to turn the video
// files of a bundle into videos (catalog.BundleMedia).
func (m *Module) BundleMedia() catalog.BundleMedia { return bundleImporter{m.svc} }

type bundleImporter struct{ s *service }

// ImportVideo implements catalog.BundleMedia. The file is copied to a
// temporary file (bundles may be embedded), hashed, and looked up among the
// owner's videos by content: an unchanged clip imported again, or named by
// several topics, is one video (one that is stored whole: processing or
// ready). Otherwise it is ingested like an upload.
// Captions ("name.<lang>.vtt"; Korean without a language part) are stored
// with the video.
func (b bundleImporter) ImportVideo(ctx context.Context, owner int64, files fs.FS, file, captions string) (string, bool, error) {
	s := b.s
	if !s.hasFF {
		return "", false, catalog.ErrMediaUnavailable
	}
	tmp, size, sum, err := s.copyToTemp(files, file)
	if err != nil {
		return "", false, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	row, err := s.st.videoBySource(ctx, s.db.R, owner, sum)
	if err != nil {
		return "", false, err
	}
	created := row == nil
	if created {
		title := strings.TrimSuffix(path.Base(file), path.Ext(file))
		if row, err = s.ingest(ctx, owner, tmp, size, title, sum); err != nil {
			return "", false, err
		}
	}
	ref := VideoRef(row.ID)
	if captions != "" {
		data, err := readBounded(files, captions, MaxCaptionBytes)
		if err != nil {
			return ref, created, err
		}
		id := row.ID
		// The import acts for owner, whose video this is.
		load := func(ctx context.Context, idb bun.IDB) (*videoRow, error) {
			var r videoRow
			return &r, s.st.live(ctx, idb, &r, id, ownerScope{owner: owner}, errVideoNotFound)
		}
		if _, err := s.putCaptions(ctx, id, load, captionsLangOf(captions), "", data); err != nil {
			return ref, created, fmt.Errorf("%s: %w", captions, err)
		}
	}
	return ref, created, nil
}

// ImportImage implements catalog.BundleMedia: the file becomes an image of
// owner (re-encoded with its variants, like an upload), or the image made
// from the same file before.
func (b bundleImporter) ImportImage(ctx context.Context, owner int64, files fs.FS, file string) (string, bool, error) {
	s := b.s
	f, err := files.Open(file)
	if err != nil {
		return "", false, err
	}
	data, err := io.ReadAll(io.LimitReader(f, s.limits.ImageBytes+1))
	f.Close()
	if err != nil {
		return "", false, err
	}
	if int64(len(data)) > s.limits.ImageBytes {
		return "", false, apperr.New(apperr.TooLarge, "media.image_too_large", "media.image_too_large")
	}
	sum := sha256.Sum256(data)
	id, err := s.st.imageBySource(ctx, s.db.R, owner, hex.EncodeToString(sum[:]))
	if err != nil || id != 0 {
		return ImageRef(id), false, err
	}
	row, err := s.storeImage(ctx, owner, data, "")
	if err != nil {
		return "", false, err
	}
	return ImageRef(row.ID), true, nil
}

// Discard implements catalog.BundleMedia: the videos and images an import
// made go, files and rows (a queued transcoding job then finds nothing) —
// unless a course already uses one (another import that found it by
// content, or its owner attached it meanwhile): that one stays.
func (b bundleImporter) Discard(ctx context.Context, refs []string) {
	s := b.s
	for _, ref := range refs {
		var id int64
		switch {
		case scanRef(ref, "media:video:%d", &id):
			if b.retired(ctx, ref, s.retire(ctx, (*videoRow)(nil), id, ref)) {
				s.discard(ctx, id)
			}
		case scanRef(ref, "media:image:%d", &id):
			if b.retired(ctx, ref, s.retire(ctx, (*imageRow)(nil), id, ref)) {
				s.discardImage(ctx, id)
			}
		}
	}
}

// retired reports whether retiring ref worked (then its files and row may
// go); a refusal (a course uses it) is logged.
func (b bundleImporter) retired(ctx context.Context, ref string, err error) bool {
	if err != nil {
		b.s.logger.InfoContext(ctx, "keeping media a refused import made", "ref", ref, "why", err)
		return false
	}
	return true
}

func scanRef(ref, format string, id *int64) bool {
	n, err := fmt.Sscanf(ref, format, id)
	return err == nil && n == 1
}

// copyToTemp copies a bundle file to a temporary file (bounded by the video
// size limit) and returns it with its size and SHA-256.
func (s *service) copyToTemp(files fs.FS, name string) (*os.File, int64, string, error) {
	src, err := files.Open(name)
	if err != nil {
		return nil, 0, "", err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(s.tempDir, "bundle-*")
	if err != nil {
		return nil, 0, "", err
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), &limitedReader{r: src, max: s.limits.VideoBytes})
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, 0, "", err
	}
	return tmp, size, hex.EncodeToString(h.Sum(nil)), nil
}

// readBounded reads a small bundle file, refusing one over max bytes.
func readBounded(files fs.FS, name string, max int64) ([]byte, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(data)) > max {
		return ValidateWebVTT(data) // reports the size problem
	}
	return data, err
}

// captionsLangOf reads the language of "clip.ko.vtt" (or "clip.en-US.vtt");
// a file without one is Korean, the catalog's first language.
func captionsLangOf(name string) string {
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		if _, lang, err := captionLang(base[i+1:]); err == nil {
			return lang
		}
	}
	return "ko"
}

// ExportVideo implements catalog.BundleMedia: the original the video was
// made from (stored whole beside its renditions), named by the video's
// title and the extension of its container, with its captions tracks.
// A video deleted, or whose original is not stored, is
// catalog.ErrMediaMissing.
func (b bundleImporter) ExportVideo(ctx context.Context, ref string) (catalog.BundleVideo, error) {
	s := b.s
	var id int64
	if !scanRef(ref, "media:video:%d", &id) {
		return catalog.BundleVideo{}, catalog.ErrMediaMissing
	}
	row, err := s.st.videoByID(ctx, s.db.R, id)
	if err != nil {
		return catalog.BundleVideo{}, err
	}
	if row == nil || row.DeletedAt != nil {
		return catalog.BundleVideo{}, catalog.ErrMediaMissing
	}
	key := originalKey(id)
	info, err := s.files.Stat(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return catalog.BundleVideo{}, catalog.ErrMediaMissing
	}
	if err != nil {
		return catalog.BundleVideo{}, err
	}
	ext, err := s.containerExt(ctx, key)
	if err != nil {
		return catalog.BundleVideo{}, err
	}
	title := row.Title
	if strings.TrimSpace(title) == "" {
		title = fmt.Sprintf("video-%d", id)
	}
	out := catalog.BundleVideo{BundleFile: catalog.BundleFile{Name: title + ext, Size: info.Size, Open: s.opener(key)}}
	for _, c := range row.Captions.V {
		out.Captions = append(out.Captions, catalog.BundleCaption{Lang: c.Lang, Open: s.opener(c.Key)})
	}
	return out, nil
}

// ExportImage implements catalog.BundleMedia: the image's largest
// rendition (an upload is re-encoded when stored; its file is not kept).
func (b bundleImporter) ExportImage(ctx context.Context, ref string) (catalog.BundleFile, error) {
	s := b.s
	var id int64
	if !scanRef(ref, "media:image:%d", &id) {
		return catalog.BundleFile{}, catalog.ErrMediaMissing
	}
	row, err := s.st.imageForViewer(ctx, s.db.R, id, 0)
	if err != nil {
		return catalog.BundleFile{}, err
	}
	if row == nil || len(row.Variants.V) == 0 {
		return catalog.BundleFile{}, catalog.ErrMediaMissing
	}
	v := row.Variants.V[0]
	for _, c := range row.Variants.V {
		if c.Width*c.Height > v.Width*v.Height {
			v = c
		}
	}
	info, err := s.files.Stat(ctx, v.Key)
	if errors.Is(err, storage.ErrNotFound) {
		return catalog.BundleFile{}, catalog.ErrMediaMissing
	}
	if err != nil {
		return catalog.BundleFile{}, err
	}
	return catalog.BundleFile{Name: fmt.Sprintf("image-%d%s", id, path.Ext(v.Key)), Size: info.Size, Open: s.opener(v.Key)}, nil
}

// opener opens a stored file when asked.
func (s *service) opener(key string) func(ctx context.Context) (io.ReadCloser, error) {
	return func(ctx context.Context) (io.ReadCloser, error) { return s.files.Open(ctx, key) }
}

// containerExt names the container of a stored original by its first
// bytes (the originals are stored without an extension, and the accepted
// containers are told apart by their signatures): ".mp4", ".mov", ".m4v",
// ".mkv" (Matroska and WebM), ".avi".
func (s *service) containerExt(ctx context.Context, key string) (string, error) {
	f, err := s.files.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 12)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	return containerOf(head[:n]), nil
}

func containerOf(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && string(head[8:12]) == "qt  ":
		return ".mov"
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && string(head[8:11]) == "M4V":
		return ".m4v"
	case len(head) >= 4 && string(head[:4]) == "\x1a\x45\xdf\xa3":
		return ".mkv"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return ".avi"
	}
	return ".mp4"
}
