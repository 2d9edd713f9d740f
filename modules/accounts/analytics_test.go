package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/rollup"
	"github.com/weaverse/weaverse/platform/testkit"
)

func accountsAnalytics(t *testing.T, ta *apptest.T) accounts.Analytics {
	t.Helper()
	for _, m := range ta.App.Modules() {
		if am, ok := m.(*accounts.Module); ok {
			return am.Analytics()
		}
	}
	t.Fatal("no accounts module")
	return nil
}

// pointMap keys points by metric, day, course and item, refusing a key
// seen twice.
func pointMap(t *testing.T, points []rollup.Point) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, p := range points {
		k := fmt.Sprintf("%s|%s|%d|%d", p.Metric, p.Day, p.Course, p.Item)
		if _, dup := out[k]; dup {
			t.Fatalf("point %s twice in %v", k, points)
		}
		out[k] = p.Value
	}
	return out
}

func samePoints(t *testing.T, what string, got []rollup.Point, want map[string]int64) {
	t.Helper()
	g := pointMap(t, got)
	if fmt.Sprint(sorted(g)) != fmt.Sprint(sorted(want)) {
		t.Fatalf("%s:\n got  %v\n want %v", what, sorted(g), sorted(want))
	}
}

func sorted(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}

// Sign-ups are counted per calendar day at the window's offset, from its
// start included to its end excluded, deleted accounts included; the
// snapshot counts the accounts not deleted per role.
func TestAnalytics(t *testing.T) {
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		ctx := context.Background()
		an := accountsAnalytics(t, ta)
		base, err := an.Snapshot(ctx)
		testkit.Must(t, err)
		samePoints(t, "empty snapshot", base, map[string]int64{
			"accounts.students||0|0": 0, "accounts.tutors||0|0": 0, "accounts.admins||0|0": 0})

		const kst = 9 * 3600
		at := func(s string) time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			testkit.Must(t, err)
			return tm
		}
		var users []user
		for i, s := range []string{
			"2026-03-03T14:59:59Z", // 03-03 23:59:59 KST: before the window
			"2026-03-03T15:00:00Z", // 03-04 00:00 KST
			"2026-03-04T14:59:00Z", // 03-04 23:59 KST
			"2026-03-04T15:30:00Z", // 03-05 00:30 KST (03-04 in UTC)
			"2026-03-05T14:59:59Z", // 03-05 23:59:59 KST
			"2026-03-05T15:00:00Z", // 03-06 00:00 KST: the window's end, excluded
		} {
			ta.Clock.Set(at(s))
			users = append(users, register(t, ta, fmt.Sprintf("signup%d@example.com", i), fmt.Sprintf("가입자%d", i)))
		}
		ta.Clock.Set(at("2026-03-06T01:00:00Z"))
		promote(t, ta, users[1].ID, "tutor")
		promote(t, ta, users[2].ID, "tutor")
		promote(t, ta, users[3].ID, "admin")
		// A deleted account still signed up, but is no longer a student.
		users[4].Token = login(t, ta, "signup4@example.com", pw)
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/students/%d/", users[4].ID), nil, as(users[4])...).Status(204)

		w := rollup.Window{From: at("2026-03-03T15:00:00Z"), To: at("2026-03-05T15:00:00Z"), Offset: kst}
		daily, err := an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily at +09:00", daily, map[string]int64{
			"accounts.signups|2026-03-04|0|0": 2, "accounts.signups|2026-03-05|0|0": 2})

		// The same accounts in UTC days: the one at 15:30 moves to 03-04.
		w = rollup.Window{From: at("2026-03-04T00:00:00Z"), To: at("2026-03-06T00:00:00Z"), Offset: 0}
		daily, err = an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily in UTC", daily, map[string]int64{
			"accounts.signups|2026-03-04|0|0": 2, "accounts.signups|2026-03-05|0|0": 2})

		// West of UTC (-05:00): 03-03 19:00 → 03-04 19:00 local.
		w = rollup.Window{From: at("2026-03-04T00:00:00Z"), To: at("2026-03-05T00:00:00Z"), Offset: -5 * 3600}
		daily, err = an.Daily(ctx, w)
		testkit.Must(t, err)
		samePoints(t, "daily at -05:00", daily, map[string]int64{"accounts.signups|2026-03-04|0|0": 2})

		// An empty window, an inverted one, a window with nobody.
		for _, w := range []rollup.Window{
			{From: w.From, To: w.From, Offset: kst},
			{From: w.To, To: w.From, Offset: kst},
			{From: at("2026-04-01T00:00:00Z"), To: at("2026-04-03T00:00:00Z"), Offset: kst},
		} {
			daily, err = an.Daily(ctx, w)
			testkit.Must(t, err)
			samePoints(t, "daily of nothing", daily, map[string]int64{})
		}
		if _, err := an.Daily(ctx, rollup.Window{From: w.From, To: w.To, Offset: 32400 * 60}); err == nil {
			t.Fatal("an offset of 540 hours was accepted")
		}

		snap, err := an.Snapshot(ctx)
		testkit.Must(t, err)
		samePoints(t, "snapshot", snap, map[string]int64{
			"accounts.students||0|0": 2, "accounts.tutors||0|0": 2, "accounts.admins||0|0": 1})
	})
}
