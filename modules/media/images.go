package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/imaging"
)

// Image is an uploaded image with its variants' (public, unsigned) URLs.
type Image struct {
	ID        int64          `json:"id"`
	OwnerID   int64          `json:"owner_id"`
	Alt       string         `json:"alt"`
	Format    string         `json:"format"`
	Width     int            `json:"width"`
	Height    int            `json:"height"`
	Size      int64          `json:"size"`
	Variants  []ImageVariant `json:"variants"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// ImageVariant is one size of an image.
type ImageVariant struct {
	Name   string `json:"name" enum:"original,display,thumbnail"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url" doc:"A signed URL, valid for a while."`
}

func (s *service) imageOut(ctx context.Context, r *imageRow) Image {
	out := Image{ID: r.ID, OwnerID: r.OwnerID, Alt: r.Alt, Format: r.Format, Width: r.Width, Height: r.Height,
		Size: r.Size, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Variants: []ImageVariant{}}
	exp := s.clock.Now().Add(s.limits.URLTTL)
	for _, v := range r.Variants.V {
		u, err := s.files.URL(ctx, v.Key, exp)
		if err != nil {
			s.logger.WarnContext(ctx, "image URL", "err", err)
			continue
		}
		out.Variants = append(out.Variants, ImageVariant{Name: v.Name, Width: v.Width, Height: v.Height, URL: u})
	}
	return out
}

func imagePrefix(id int64) string { return fmt.Sprintf("images/%d/", id) }

// UploadImage validates, re-encodes and stores an image and its variants.
// Nothing is stored when the image is refused.
func (s *service) UploadImage(ctx context.Context, p *authz.Principal, r io.Reader, alt string) (Image, error) {
	// Read the (small, bounded) file before taking a decoding slot, so slow
	// clients do not hold one.
	data, err := io.ReadAll(io.LimitReader(r, s.limits.ImageBytes+1))
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return Image{}, err
		}
		return Image{}, malformed(err)
	}
	row, err := s.storeImage(ctx, p.UserID, data, alt)
	if err != nil {
		return Image{}, err
	}
	return s.imageOut(ctx, row), nil
}

// storeImage validates, re-encodes and stores an image of owner (data is
// at most the size limit) with its variants. Nothing is stored when the
// image is refused.
func (s *service) storeImage(ctx context.Context, owner int64, data []byte, alt string) (*imageRow, error) {
	sum := sha256.Sum256(data)
	lim := imaging.Limits{MaxBytes: s.limits.ImageBytes}
	// The header says what decoding will cost before any pixel is decoded;
	// the gate admits the decode when that much memory is free and it is
	// the owner's turn (see decodeGate).
	h, err := imaging.Inspect(data, lim)
	if err != nil {
		return nil, imageErr(err)
	}
	release, err := s.decoding.admit(ctx, owner, h.Cost())
	if err != nil {
		return nil, err
	}
	res, err := imaging.ProcessContext(ctx, data, lim)
	release()
	data = nil
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the client went away: nobody to answer
		}
		return nil, imageErr(err)
	}
	now := s.clock.Now()
	row := &imageRow{OwnerID: owner, Alt: trim(alt, 300), Format: res.Format, Width: res.Width, Height: res.Height,
		SourceSHA256: hex.EncodeToString(sum[:]), CreatedAt: now, UpdatedAt: now}
	for _, v := range res.Variants {
		row.Size += int64(len(v.Data))
	}
	// As for videos (see ingest), the files are stored outside any
	// transaction; a failure removes them and the row.
	if err := s.st.insertImage(ctx, s.db.W, row); err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			s.discardImage(context.WithoutCancel(ctx), row.ID)
		}
	}()
	for _, v := range res.Variants {
		ext := ".jpg"
		if v.ContentType == "image/png" {
			ext = ".png"
		}
		key := imagePrefix(row.ID) + v.Name + ext
		if err := s.files.Put(ctx, key, bytes.NewReader(v.Data), int64(len(v.Data)), v.ContentType); err != nil {
			return nil, err
		}
		row.Variants.V = append(row.Variants.V, storedVariant{Name: v.Name, Key: key, Width: v.Width, Height: v.Height,
			ContentType: v.ContentType, Size: len(v.Data)})
	}
	if err := s.st.setImageVariants(ctx, s.db.W, row); err != nil {
		return nil, err
	}
	done = true
	return row, nil
}

// imageErr is the problem for an image imaging refused.
func imageErr(err error) error {
	switch {
	case errors.Is(err, imaging.ErrTooLarge), errors.Is(err, imaging.ErrTooManyPixels):
		return apperr.New(apperr.TooLarge, "media.image_too_large", "media.image_too_large").Because(err)
	case errors.Is(err, imaging.ErrUnsupported):
		return apperr.New(apperr.Unsupported, "media.image_unsupported", "media.image_unsupported").Because(err)
	default:
		return apperr.New(apperr.Invalid, "media.image_corrupt", "media.image_corrupt").Because(err)
	}
}

// image loads a live image p may act on (its owner; admins: any); others
// get 404.
func (s *service) image(ctx context.Context, idb bun.IDB, p *authz.Principal, act string, id int64) (*imageRow, error) {
	return owned[imageRow](ctx, s, idb, p, "media.image", act, id, errImageNotFound)
}

// ListImages returns the images p may read (their own; admins: everyone's).
func (s *service) ListImages(ctx context.Context, p *authz.Principal, limit, offset int) ([]Image, int, error) {
	return listOwned(ctx, s, p, "media.image", limit, offset, func(r *imageRow) Image { return s.imageOut(ctx, r) })
}

// GetImage returns one image.
func (s *service) GetImage(ctx context.Context, p *authz.Principal, id int64) (Image, error) {
	r, err := s.image(ctx, s.db.R, p, "read", id)
	if err != nil {
		return Image{}, err
	}
	return s.imageOut(ctx, r), nil
}

// UpdateImage changes an image's alt text and, with courseID, makes it the
// picture of that course (the catalog checks the caller may edit it).
func (s *service) UpdateImage(ctx context.Context, p *authz.Principal, id int64, alt string, courseID int64) (Image, error) {
	if courseID != 0 {
		if err := s.AttachImage(ctx, p, id, courseID); err != nil {
			return Image{}, err
		}
	}
	var out Image
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.image(ctx, tx, p, "update", id)
		if err != nil {
			return err
		}
		r.Alt, r.UpdatedAt = trim(alt, 300), s.clock.Now()
		if err := s.st.setImageAlt(ctx, tx, r); err != nil {
			return err
		}
		out = s.imageOut(ctx, r)
		return nil
	})
	return out, err
}

// AttachImage makes an image p may update (their own; admins: any) the
// picture of a course; the catalog checks p may edit the course. An image
// deleted meanwhile is 404 (see retire).
func (s *service) AttachImage(ctx context.Context, p *authz.Principal, id, courseID int64) error {
	if _, err := s.image(ctx, s.db.R, p, "update", id); err != nil {
		return err
	}
	return attachErr(s.gate.SetCourseMedia(ctx, p, courseID, "thumbnail", ImageRef(id)), errImageNotFound)
}

// DeleteImage soft-deletes an image and removes its files; an image a
// course shows is refused (see retire).
func (s *service) DeleteImage(ctx context.Context, p *authz.Principal, id int64) error {
	if _, err := s.image(ctx, s.db.R, p, "delete", id); err != nil {
		return err
	}
	return s.deleteMedia(ctx, (*imageRow)(nil), id, ImageRef(id), imagePrefix(id))
}

// discardImage removes an image that never became usable (see discardRow).
func (s *service) discardImage(ctx context.Context, id int64) {
	s.discardRow(ctx, (*imageRow)(nil), imagePrefix(id), id)
}

// imageVariant returns variant name of image id when p may see it: its
// owner and admins may, and whoever the catalog lets see a course it
// illustrates. Others get 404.
func (s *service) imageVariant(ctx context.Context, p *authz.Principal, id int64, name string) (storedVariant, error) {
	r, err := s.st.imageForViewer(ctx, s.db.R, id, userID(p))
	if err != nil {
		return storedVariant{}, err
	}
	if r == nil {
		return storedVariant{}, errImageNotFound
	}
	if !s.authz.Allowed(p, "media.image", "read", authz.Rels{}.If(r.IsOwner, authz.Owner)...) {
		ok, err := s.gate.ImageAccess(ctx, p, ImageRef(id))
		if err != nil {
			return storedVariant{}, err
		}
		if !ok {
			return storedVariant{}, errImageNotFound
		}
	}
	i := slices.IndexFunc(r.Variants.V, func(v storedVariant) bool { return v.Name == name })
	if i < 0 {
		return storedVariant{}, errImageNotFound
	}
	return r.Variants.V[i], nil
}
