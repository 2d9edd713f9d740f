package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/modules/catalog"
	"github.com/weaverse/weaverse/platform/apperr"
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
