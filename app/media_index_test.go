package app_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/testkit"
)

// The lookups media makes of the catalog on every playback, picture and
// delete use indexes (not a scan of every topic), on both databases.
func TestMediaLookupsUseIndexes(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		d := ta.App.DB
		video, err := d.JSONText("content", "video")
		testkit.Must(t, err)
		for _, tc := range []struct{ query, index string }{
			{"SELECT id FROM catalog_topics WHERE " + string(video) + " = 'media:video:1'", "catalog_topics_video_idx"},
			{"SELECT id FROM catalog_courses WHERE thumbnail = 'media:image:1'", "catalog_courses_thumbnail_idx"},
			{"SELECT id FROM catalog_courses WHERE intro_video = 'media:video:1'", "catalog_courses_intro_video_idx"},
		} {
			var plan []string
			err := d.W.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
				if d.IsPostgres() {
					// Empty tables: make the planner show the index it can use.
					if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
						return err
					}
					return tx.NewRaw("EXPLAIN "+tc.query).Scan(ctx, &plan)
				}
				rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tc.query)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id, parent, unused int
					var detail string
					if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
						return err
					}
					plan = append(plan, detail)
				}
				return rows.Err()
			})
			testkit.Must(t, err)
			if !strings.Contains(strings.Join(plan, "\n"), tc.index) {
				t.Errorf("%s\ndoes not use %s:\n%s", tc.query, tc.index, strings.Join(plan, "\n"))
			}
		}
	})
}
