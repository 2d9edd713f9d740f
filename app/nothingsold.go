package app

import (
	"context"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/modules/catalog"
)

// nothingSold is bound where the modules that sell access and track
// learning (learning, certificates) will provide: until they exist nothing
// can be bought, so no learner is entitled to a course's premium content (its
// editors are, by the catalog's own rule), every course shows as locked to
// learners, pages offer no purchase button, learning statistics are zero and
// tutors teach nobody. That is the
// truth of an instance without them, not a stand-in: the learning module
// replaces these bindings in buildModules.
type nothingSold struct{}

var (
	_ catalog.Entitlements   = nothingSold{}
	_ catalog.StatusProvider = nothingSold{}
	_ accounts.StatsProvider = nothingSold{}
	_ accounts.TutorStudents = nothingSold{}
	_ catalog.Storefront     = nothingSold{}
)

func (nothingSold) EntitledCourses(context.Context, int64, []int64) (map[int64]bool, error) {
	return map[int64]bool{}, nil
}

func (nothingSold) CourseStatuses(context.Context, int64, []int64) (map[int64]catalog.CourseStatus, error) {
	return map[int64]catalog.CourseStatus{}, nil
}

func (nothingSold) LearningStats(context.Context, int64) (accounts.LearningStats, error) {
	return accounts.LearningStats{}, nil
}

func (nothingSold) StudentIDsOfTutor(context.Context, int64) ([]int64, error) { return nil, nil }

func (nothingSold) CourseBuyURL(int64) string     { return "" }
func (nothingSold) CurriculumBuyURL(int64) string { return "" }
