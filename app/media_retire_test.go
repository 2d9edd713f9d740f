package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/testkit"
)

// A deleted video never comes back on a course: not with a topic restored
// from the deleted ones by a tree update, which brings its old video along.
func TestRestoredTopicDoesNotBringBackADeletedVideo(t *testing.T) {
	t.Parallel()
	data := mediaClip(t, 1)
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		testkit.Must(t, ta.App.Start(context.Background()))
		tutor := newMediaUser(t, ta, "tutor", "tutor")
		v := readyVideo(t, ta, tutor, data)
		course, free, _ := videoCourse(t, ta, tutor, "restore")
		ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", v.ID), map[string]any{"topic_id": free},
			tutor.auth()...).Status(204)
		ref := fmt.Sprintf("media:video:%d", v.ID)
		body := func(withFree bool) map[string]any {
			topics := []map[string]any{{"slug": "paid", "title": "유료", "kind": "video", "premium": true}}
			if withFree {
				topics = append(topics, map[string]any{"slug": "free", "title": "무료", "kind": "video", "video": ref})
			}
			return map[string]any{"slug": "restore", "title": "영상 강좌 restore", "category": "frontend", "skill_level": "beginner",
				"price": 1000, "status": "published", "lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": topics}}}
		}
		url := fmt.Sprintf("/api/courses/%d/", course)
		ta.Request(http.MethodPut, url, body(false), tutor.auth()...).Status(200)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/videos/%d/", v.ID), nil, tutor.auth()...).Status(204)
		p := ta.Request(http.MethodPut, url, body(true), tutor.auth()...).Problem(422, "request.validation")
		if !strings.Contains(fmt.Sprint(p["errors"]), "video") {
			t.Fatalf("the refusal does not name the video field: %v", p["errors"])
		}
		if strings.Contains(string(ta.Get(url, tutor.auth()...).Status(200).Body), ref) {
			t.Fatal("the deleted video is on the course again")
		}
	})
}

// A bundle import never attaches media whose owner retired it meanwhile
// (the media module hands back an existing video found by content).
func TestImportDoesNotAttachRetiredMedia(t *testing.T) {
	t.Parallel()
	fake := &fakeMedia{ref: "media:video:515151"}
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		testkit.Must(t, ta.App.ReplaceProvider(fake))
		usedBy, err := ta.App.CatalogMediaGate().RetireMedia(ctx, fake.ref)
		if err != nil || len(usedBy) != 0 {
			t.Fatalf("RetireMedia: %v %v", usedBy, err)
		}
		_, err = ta.App.ImportBundle(ctx, sampleBundle([]byte("not read by the fake"), "환영합니다"))
		var ae *apperr.Error
		if !errors.Is(err, apperr.Invalid) || !errors.As(err, &ae) || !strings.Contains(fmt.Sprint(ae.Fields), "catalog.media_deleted") {
			t.Fatalf("importing a retired reference: %v", err)
		}
		if n := countRows(t, ta, "catalog_courses"); n != 0 {
			t.Fatalf("the refused import left %d courses", n)
		}
	})
}
