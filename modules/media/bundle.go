package media

import (
	"context"
	"crypto/sha256"
	"database/sql"
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
)

// BundleMedia is what the catalog's bundle import uses to turn the video
// files of a bundle into videos (catalog.BundleMedia).
func (m *Module) BundleMedia() catalog.BundleMedia { return bundleImporter{m.svc} }

type bundleImporter struct{ s *service }

// ImportVideo implements catalog.BundleMedia. The file is copied to a
// temporary file (bundles may be embedded), hashed, and looked up among the
// owner's videos by content: an unchanged clip imported again, or named by
// several topics, is one video. Otherwise it is ingested like an upload.
// Captions ("name.<lang>.vtt"; Korean without a language part) are stored
// with the video.
func (b bundleImporter) ImportVideo(ctx context.Context, owner int64, files fs.FS, file, captions string) (string, error) {
	s := b.s
	if !s.hasFF {
		return "", catalog.ErrMediaUnavailable
	}
	tmp, size, sum, err := s.copyToTemp(files, file)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	row := &videoRow{}
	err = s.db.R.NewSelect().Model(row).Where("v.owner_id = ?", owner).Where("v.source_sha256 = ?", sum).
		Where("v.deleted_at IS NULL").Where("v.status <> 'failed'").OrderExpr("v.id").Limit(1).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		title := strings.TrimSuffix(path.Base(file), path.Ext(file))
		if row, err = s.ingest(ctx, owner, tmp, size, title, sum); err != nil {
			return "", err
		}
	case err != nil:
		return "", err
	}
	if captions != "" {
		data, err := readBounded(files, captions, MaxCaptionBytes)
		if err != nil {
			return "", err
		}
		id := row.ID
		load := func(ctx context.Context, idb bun.IDB) (*videoRow, error) {
			var r videoRow
			err := idb.NewSelect().Model(&r).Where("v.id = ?", id).Where("v.deleted_at IS NULL").Scan(ctx)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, errVideoNotFound
			}
			return &r, err
		}
		if _, err := s.putCaptions(ctx, id, load, captionsLangOf(captions), "", data); err != nil {
			return "", fmt.Errorf("%s: %w", captions, err)
		}
	}
	return VideoRef(row.ID), nil
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
