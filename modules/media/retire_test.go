package media_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
	"github.com/weaverse/weaverse/platform/testkit"
)

// insertImage inserts a finished image row (one with variants: an image
// without any is an upload still being stored, which nobody sees).
func insertImage(t *testing.T, ta *apptest.T, owner int64) int64 {
	t.Helper()
	var id int64
	now := ta.Clock.Now()
	err := ta.App.DB.W.NewRaw(`INSERT INTO media_images (owner_id, alt, format, width, height, size, variants, created_at, updated_at)
		VALUES (?, '', 'png', 64, 36, 1234, ?, ?, ?) RETURNING id`, owner,
		`[{"name":"original","key":"images/0/original.png","width":64,"height":36,"content_type":"image/png","size":1234}]`, now, now).Scan(context.Background(), &id)
	testkit.Must(t, err)
	return id
}

// Deleting media and attaching it to a course race without sharing a
// transaction: the catalog retires the reference under the lock that
// attaching it takes (catalog.MediaGate.RetireMedia). Round after round a
// delete and an attachment of the same new video (to a topic, as a course
// intro) or image (as a course's picture) run at once: exactly one wins,
// the other fails cleanly (the attachment 404, the deletion 409 media.in_use),
// and no deleted video or image is ever left on a course.
func TestDeleteRacesAttach(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		tutor := newUser(t, ta, "tutor", "tutor")
		var course struct {
			ID       int64
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "race", "title": "경합 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 0, "status": "draft", "lectures": []map[string]any{{"slug": "l", "title": "강의",
				"topics": []map[string]any{{"slug": "v", "title": "영상", "kind": "video"}}}}},
			bearer(tutor)...).Status(201).JSON(&course)
		topic := course.Lectures[0].Topics[0].ID
		videoUse, err := ta.App.DB.JSONText("content", "video")
		testkit.Must(t, err)

		// uses counts the live courses and topics that name ref.
		uses := func(ref string) int {
			var n int
			testkit.Must(t, ta.App.DB.R.NewRaw(`SELECT
				(SELECT COUNT(*) FROM catalog_courses WHERE deleted_at IS NULL AND (intro_video = ? OR thumbnail = ?)) +
				(SELECT COUNT(*) FROM catalog_topics WHERE deleted_at IS NULL AND ? = ?)`,
				ref, ref, videoUse, ref).Scan(ctx, &n))
			return n
		}
		deleted := func(table string, id int64) bool {
			var n int
			testkit.Must(t, ta.App.DB.R.NewRaw("SELECT COUNT(*) FROM "+table+" WHERE id = ? AND deleted_at IS NOT NULL", id).Scan(ctx, &n))
			return n == 1
		}

		const rounds = 60
		won := map[string]int{}
		for i := range rounds {
			var table, ref, path, notFound string
			var id int64
			var doAttach func() *testkit.Response
			switch i % 3 {
			case 0, 1:
				id = insertVideo(t, ta, tutor.ID, fmt.Sprintf("경합 %d", i), "ready", 100, "")
				table, ref, path, notFound = "media_videos", media.VideoRef(id), fmt.Sprintf("/api/videos/%d/", id), "media.video_not_found"
				body := map[string]any{"topic_id": topic}
				if i%3 == 1 {
					body = map[string]any{"course_id": course.ID}
				}
				doAttach = func() *testkit.Response {
					return ta.Request(http.MethodPost, path+"attach/", body, bearer(tutor)...)
				}
			default:
				id = insertImage(t, ta, tutor.ID)
				table, ref, path, notFound = "media_images", media.ImageRef(id), fmt.Sprintf("/api/images/%d/", id), "media.image_not_found"
				doAttach = func() *testkit.Response {
					return ta.Request(http.MethodPut, path, map[string]any{"alt": "표지", "course_id": course.ID}, bearer(tutor)...)
				}
			}
			var del, attach *testkit.Response
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				del = ta.Request(http.MethodDelete, path, nil, bearer(tutor)...)
			}()
			go func() {
				defer wg.Done()
				<-start
				attach = doAttach()
			}()
			close(start)
			wg.Wait()

			switch {
			case del.StatusCode == http.StatusNoContent && attach.StatusCode == http.StatusNotFound:
				attach.Problem(404, notFound)
				won["delete"]++
			case attach.StatusCode/100 == 2 && del.StatusCode == http.StatusConflict:
				del.Problem(409, "media.in_use")
				won["attach"]++
			default:
				t.Fatalf("round %d (%s): delete %d %s, attach %d %s", i, ref, del.StatusCode, del.Body, attach.StatusCode, attach.Body)
			}
			if d, n := deleted(table, id), uses(ref); d && n > 0 {
				t.Fatalf("round %d: %s deleted while %d courses or topics use it", i, ref, n)
			} else if !d && n == 0 {
				t.Fatalf("round %d: %s neither deleted nor used", i, ref)
			}
		}
		t.Logf("%d rounds: %v", rounds, won)
	})
}
