package media

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

type imageRow struct {
	bun.BaseModel `bun:"table:media_images,alias:i"`

	ID       int64                    `bun:"id,pk,autoincrement"`
	OwnerID  int64                    `bun:"owner_id,notnull"`
	Alt      string                   `bun:"alt,notnull"`
	Format   string                   `bun:"format,notnull"`
	Width    int                      `bun:"width,notnull"`
	Height   int                      `bun:"height,notnull"`
	Size     int64                    `bun:"size,notnull"`
	Variants db.JSON[[]storedVariant] `bun:"variants,notnull"`
	// SourceSHA256 is the uploaded file's SHA-256 (hex), as for videos.
	SourceSHA256 string     `bun:"source_sha256,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	UpdatedAt    time.Time  `bun:"updated_at,notnull"`
	DeletedAt    *time.Time `bun:"deleted_at"`
	// IsOwner is the viewer's relation to the image (imageForViewer).
	IsOwner bool `bun:"is_owner,scanonly"`
}

// storedVariant is one stored image variant.
type storedVariant struct {
	Name        string `json:"name"`
	Key         string `json:"key"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// insertImage creates an image row (its variants still empty) and sets its id.
func (store) insertImage(ctx context.Context, idb bun.IDB, row *imageRow) error {
	_, err := idb.NewInsert().Model(row).Returning("id").Exec(ctx)
	return err
}

// setImageVariants records the variants stored for an image.
func (store) setImageVariants(ctx context.Context, idb bun.IDB, row *imageRow) error {
	_, err := idb.NewUpdate().Model(row).Column("variants").WherePK().Exec(ctx)
	return err
}

// setImageAlt saves an image's alt text.
func (store) setImageAlt(ctx context.Context, idb bun.IDB, row *imageRow) error {
	_, err := idb.NewUpdate().Model(row).Column("alt", "updated_at").WherePK().Exec(ctx)
	return err
}

// imageForViewer loads a live image with the viewer's relation to it
// (IsOwner; viewer 0 is anonymous); nil when there is none.
func (store) imageForViewer(ctx context.Context, idb bun.IDB, id, viewer int64) (*imageRow, error) {
	var r imageRow
	err := idb.NewSelect().Model(&r).ColumnExpr("i.*").ColumnExpr("i.owner_id = ? AS is_owner", viewer).
		Where("i.id = ?", id).Where("i.deleted_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// imageBySource returns the id of owner's live image made from the file
// with this SHA-256 and stored whole (see storeImage); 0 when there is none.
func (store) imageBySource(ctx context.Context, idb bun.IDB, owner int64, sum string) (int64, error) {
	var id int64
	err := idb.NewSelect().Model((*imageRow)(nil)).Column("id").Where("owner_id = ?", owner).
		Where("source_sha256 = ?", sum).Where("deleted_at IS NULL").Where("variants <> ?", "[]").
		OrderExpr("id").Limit(1).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// brokenImages returns up to limit images created before the time whose
// variants were never recorded (their instance died while storing them).
func (store) brokenImages(ctx context.Context, idb bun.IDB, before time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := idb.NewSelect().Model((*imageRow)(nil)).Column("id").Where("variants = ?", "[]").
		Where("created_at < ?", before).OrderExpr("id").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, err
}
