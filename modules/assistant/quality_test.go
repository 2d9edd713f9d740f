package assistant_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app"
	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/config"
	"github.com/weaverse/weaverse/platform/testkit"
)

// TestRetrievalQualityOnDefaultContent measures retrieval over the default
// web-development nano-degree (7 courses, Korean articles): a learner
// entitled to every course asks, for each article, about up to three of
// its section headings ("<heading>에 대해 설명해 주세요") from another
// topic of the same course, without a model. The article should be the
// first topic cited (and at least among the first three). Reports the hit
// rates and the latency per question; fails below a floor.
func TestRetrievalQualityOnDefaultContent(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the default content")
	}
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		learner := newUser(t, ta, "learner", "student")
		admin := newUser(t, ta, "admin", "admin")
		ctx := context.Background()
		var topics []struct {
			ID       int64           `bun:"id"`
			CourseID int64           `bun:"course_id"`
			Content  json.RawMessage `bun:"content"`
		}
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("catalog_topics").Column("id", "course_id", "content").
			Where("kind = 'article'").Where("deleted_at IS NULL").OrderExpr("id").Scan(ctx, &topics))
		courses := map[int64]bool{}
		for _, tp := range topics {
			courses[tp.CourseID] = true
		}
		ids := make([]int64, 0, len(courses))
		for id := range courses {
			ids = append(ids, id)
			ta.Request(http.MethodPost, fmt.Sprintf("/api/courses/%d/enrollments/", id),
				map[string]any{"email": "learner@example.com", "reason": "측정"}, as(admin)...).Status(201)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		// The first question of each course builds its passages.
		start := time.Now()
		for _, tp := range topics {
			if courses[tp.CourseID] {
				ask(t, ta, learner, map[string]any{"topic_id": tp.ID, "question": "시작"})
				delete(courses, tp.CourseID)
			}
		}
		var n int
		testkit.Must(t, ta.App.DB.R.NewSelect().Table("assistant_passages").ColumnExpr("COUNT(*)").Scan(ctx, &n))
		t.Logf("indexed %d courses, %d articles: %d passages in %v", len(ids), len(topics), n, time.Since(start))

		var asked, top1, top3 int
		var total, worst time.Duration
		for i, tp := range topics {
			var body struct{ Body string }
			_ = json.Unmarshal(tp.Content, &body)
			var heads []string
			for _, line := range strings.Split(body.Body, "\n") {
				if h, ok := strings.CutPrefix(line, "## "); ok && len(heads) < 3 {
					heads = append(heads, strings.TrimSpace(h))
				}
			}
			from := topics[(i+1)%len(topics)].ID // asked from another topic
			for _, h := range heads {
				start := time.Now()
				a := ask(t, ta, learner, map[string]any{"topic_id": from, "question": h + "에 대해 설명해 주세요"})
				d := time.Since(start)
				total += d
				worst = max(worst, d)
				asked++
				var cited []int64
				for _, c := range a.Done.Citations {
					if !slices.Contains(cited, c.TopicID) {
						cited = append(cited, c.TopicID)
					}
				}
				if len(cited) > 0 && cited[0] == tp.ID {
					top1++
				}
				if slices.Contains(cited[:min(3, len(cited))], tp.ID) {
					top3++
				} else {
					t.Logf("miss: %q (topic %d) → %v", h, tp.ID, cited)
				}
			}
		}
		if asked == 0 {
			t.Fatal("no questions")
		}
		t.Logf("%d questions: right topic first %d (%.0f%%), among the first three %d (%.0f%%); %v a question on average, %v at worst",
			asked, top1, 100*float64(top1)/float64(asked), top3, 100*float64(top3)/float64(asked), total/time.Duration(asked), worst)
		if float64(top3) < 0.7*float64(asked) {
			t.Errorf("only %d of %d questions found their article among the first three", top3, asked)
		}
	}, func(cfg *config.Config, _ *app.Options) {
		cfg.Content.ImportDefault = true
		cfg.Assistant.DailyMessages = 100000
		cfg.Assistant.DailyTokens = 100000000
	})
}
