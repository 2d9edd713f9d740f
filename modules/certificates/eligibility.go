package certificates

import (
	"context"

	"github.com/weaverse/weaverse/modules/assessment"
	"github.com/weaverse/weaverse/modules/catalog"
)

// Kinds of what may be missing before a certificate.
const (
	missingTopics  = "topics"  // too few topics completed
	missingMission = "mission" // a required mission not passed (or not at the score)
	missingAccess  = "access"  // the learner has no access to the course now
)

// Eligibility is where a learner stands against a course's certificate
// rule: what is done, and each thing still missing.
type Eligibility struct {
	CourseID int64  `json:"course_id"`
	Title    string `json:"title"`
	// Enabled is false when the course issues no certificate.
	Enabled  bool `json:"enabled"`
	Eligible bool `json:"eligible" doc:"Every condition is met: a claim issues the certificate."`
	// Completed of Total live topics; the rule asks for Required percent.
	Completed       int       `json:"completed_topics"`
	Total           int       `json:"total_topics"`
	Progress        int       `json:"progress" doc:"Percent of the topics completed."`
	RequiredPercent int       `json:"required_progress"`
	Missing         []Missing `json:"missing" doc:"What is still missing, in the order to do it."`
	Missions        []Mission `json:"missions" doc:"The required missions' best scores so far."`
	// Certificate is the learner's valid certificate of the course, if any.
	Certificate *Certificate `json:"certificate,omitempty"`
}

// Missing is one condition of a certificate rule not met yet.
type Missing struct {
	Kind    string `json:"kind" enum:"topics,mission,access"`
	TopicID int64  `json:"topic_id,omitempty"`
	Title   string `json:"title,omitempty" doc:"The mission's title (kind mission)."`
	Mission string `json:"mission,omitempty" enum:",midterm,final"`
	State   string `json:"state,omitempty" enum:",not_started,failed,pending,passed" doc:"The learner's standing in the mission."`
	Score   int    `json:"score,omitempty" doc:"The best score so far (kind mission)."`
	Needed  int    `json:"needed,omitempty" doc:"The score needed (kind mission; 0: the mission's pass); the topics still to complete (kind topics)."`
	URL     string `json:"url,omitempty" doc:"Where to do it."`
}

// eligibility evaluates a course's rule for a user, reading through the
// reader pool (and other modules' reads): it never writes.
func (s *service) eligibility(ctx context.Context, userID int64, course catalog.CourseSummary) (*Eligibility, error) {
	all, err := s.eligibilities(ctx, userID, []catalog.CourseSummary{course})
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// eligibilities evaluates several courses' rules for a user in a fixed
// number of reads (topics, completions, missions and access, each for all
// the courses at once), in the order of courses.
func (s *service) eligibilities(ctx context.Context, userID int64, courses []catalog.CourseSummary) ([]*Eligibility, error) {
	ids := make([]int64, len(courses))
	for i, c := range courses {
		ids[i] = c.ID
	}
	refs, err := s.syllabus.TopicRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	done, err := s.classroom.CompletedTopicsIn(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	missions, err := s.missions.CoursesMissions(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	ent, err := s.ent.EntitledCourses(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Eligibility, len(courses))
	for i, c := range courses {
		out[i] = s.evaluate(c, refs[c.ID], done, missions[c.ID], ent[c.ID])
	}
	return out, nil
}

// evaluate is the rule of course applied to what the learner did: done
// (completed topic ids), their mission standings, and their access.
func (s *service) evaluate(course catalog.CourseSummary, topics []catalog.TopicRef, done map[int64]bool,
	ms []assessment.MissionStatus, entitled bool) *Eligibility {
	rule := course.Certificate
	e := &Eligibility{CourseID: course.ID, Title: course.Title, Enabled: !rule.Disabled,
		RequiredPercent: rule.Progress(), Missing: []Missing{}, Missions: []Mission{}}
	e.Total = len(topics)
	// Required missions not passed yet are listed as missions, not as
	// topics to complete: passing one completes its topic.
	var firstOpen int64
	openMissions := 0
	for _, t := range topics {
		switch {
		case done[t.ID]:
			e.Completed++
		case rule.Requires(t.Mission):
			openMissions++
		case firstOpen == 0:
			firstOpen = t.ID
		}
	}
	if e.Total > 0 {
		e.Progress = e.Completed * 100 / e.Total
	}
	// The topics the rule needs, rounded up: 80% of 7 topics is 6.
	need := (e.Total*e.RequiredPercent + 99) / 100
	if short := need - e.Completed - openMissions; short > 0 {
		m := Missing{Kind: missingTopics, Needed: short}
		if firstOpen != 0 {
			m.TopicID, m.URL = firstOpen, s.classroom.TopicURL(course.ID, firstOpen)
		} else {
			m.URL = s.classroom.CourseURL(course.ID)
		}
		e.Missing = append(e.Missing, m)
	}
	for _, st := range ms {
		if !rule.Requires(st.Mission) {
			continue
		}
		title := missionTitle(topics, st.TopicID)
		e.Missions = append(e.Missions, Mission{TopicID: st.TopicID, Title: title, Mission: st.Mission, Score: st.BestScore})
		if met(st, rule) {
			continue
		}
		e.Missing = append(e.Missing, Missing{Kind: missingMission, TopicID: st.TopicID, Title: title,
			Mission: st.Mission, State: st.State, Score: st.BestScore, Needed: rule.MinScore,
			URL: s.missions.MissionURL(st.TopicID)})
	}
	if len(e.Missing) == 0 && !entitled {
		e.Missing = append(e.Missing, Missing{Kind: missingAccess, URL: "/courses/" + itoa(course.ID)})
	}
	e.Eligible = e.Enabled && len(e.Missing) == 0 && e.Total > 0
	return e
}

// met says whether a mission standing satisfies the rule: passed, at the
// rule's minimum score when it sets one.
func met(st assessment.MissionStatus, rule catalog.CertificateRule) bool {
	return st.State == assessment.StatePassed && st.BestScore >= rule.MinScore
}

func missionTitle(topics []catalog.TopicRef, id int64) string {
	for _, t := range topics {
		if t.ID == id {
			return t.Title
		}
	}
	return ""
}

// score is the mean of the missions' best scores (nil: none).
func score(ms []Mission) *int {
	if len(ms) == 0 {
		return nil
	}
	sum := 0
	for _, m := range ms {
		sum += m.Score
	}
	v := (sum + len(ms)/2) / len(ms)
	return &v
}
