package assistant_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/assistant"
	"github.com/weaverse/weaverse/platform/rollup"
)

// pointsOf keeps the points of a metric, as "day/course/item" → value.
func pointsOf(ps []rollup.Point, metric string) map[string]int64 {
	out := map[string]int64{}
	for _, p := range ps {
		if p.Metric == metric {
			out[fmt.Sprintf("%s/%d/%d", p.Day, p.Course, p.Item)] += p.Value
		}
	}
	return out
}

func wantPoints(t *testing.T, ps []rollup.Point, metric string, want map[string]int64) {
	t.Helper()
	if got := pointsOf(ps, metric); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", metric, got, want)
	}
}

func assistantAnalytics(t *testing.T, ta *apptest.T) assistant.Analytics {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if a, ok := m.(*assistant.Module); ok {
			return a.Analytics()
		}
	}
	t.Fatal("no assistant module")
	return nil
}

// TestAnalytics counts questions, askers and tokens (the fake model
// reports 150 per answer) over two days of a window at UTC+9 (the second
// day starting at 15:00 UTC of the first), with a question after the
// window and one in another course that must not leak into the first.
func TestAnalytics(t *testing.T) {
	t.Parallel()
	fake := newFakeLLM(t, "답이에요.")
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := t.Context()
		an := assistantAnalytics(t, ta)
		w := newWorld(t, ta)
		// 2026-03-02 18:00 KST: the learner asks twice in one conversation,
		// the tutor once in the other course.
		first := ask(t, ta, w.learner, map[string]any{"topic_id": w.video, "question": "클로저가 뭐예요?"})
		if first.Done == nil {
			t.Fatalf("no answer: %+v", first)
		}
		ask(t, ta, w.learner, map[string]any{"topic_id": w.video, "question": "변수는요?", "conversation_id": first.Done.ConversationID})
		ask(t, ta, w.tutor, map[string]any{"topic_id": w.secretTopic, "question": "클로저 심화"})
		// 16:00 UTC is 01:00 KST the next day.
		ta.Clock.Set(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
		w.learner = login(t, ta, "learner")
		ask(t, ta, w.learner, map[string]any{"topic_id": w.article, "question": "호이스팅이 뭐예요?"})
		// After the window (2026-03-04 KST).
		ta.Clock.Set(time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC))
		w.learner = login(t, ta, "learner")
		ask(t, ta, w.learner, map[string]any{"topic_id": w.article, "question": "let은요?"})

		win := rollup.Window{From: time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC), Offset: 9 * 3600}
		key := func(day string, course int64) string { return fmt.Sprintf("%s/%d/0", day, course) }
		d1, d2 := "2026-03-02", "2026-03-03"
		daily, err := an.Daily(ctx, win)
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, daily, "assistant.questions", map[string]int64{key(d1, w.course): 2, key(d1, w.secretCourse): 1, key(d2, w.course): 1})
		wantPoints(t, daily, "assistant.askers", map[string]int64{key(d1, 0): 2, key(d2, 0): 1})
		wantPoints(t, daily, "assistant.tokens", map[string]int64{key(d1, 0): 450, key(d2, 0): 150})
		if len(daily) != 7 {
			t.Errorf("daily: %+v", daily)
		}
		// The window's second day only.
		second, err := an.Daily(ctx, rollup.Window{From: win.To.Add(-24 * time.Hour), To: win.To, Offset: win.Offset})
		if err != nil {
			t.Fatal(err)
		}
		wantPoints(t, second, "assistant.questions", map[string]int64{key(d2, w.course): 1})

		snap, err := an.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []rollup.Point{{Metric: "assistant.conversations", Value: 4}}; !reflect.DeepEqual(snap, want) {
			t.Errorf("snapshot %+v, want %+v", snap, want)
		}
	}, withLLM(fake))
}
