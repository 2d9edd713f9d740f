// Package assistant answers learners' questions beside a lecture: grounded
// in the course's content (topic titles, articles, video notes and
// captions, found by full-text search), streamed from any OpenAI-compatible
// chat completions endpoint as Server-Sent Events, cited with links that
// seek the video, and budgeted per user per day. Without a configured
// model it answers with the best-matching passages.
//
// This file is the module's whole surface for other modules.
package assistant

import "github.com/weaverse/weaverse/platform/rollup"

// Citation is a passage an answer cites: a topic, and for captions the
// moment of the video.
type Citation struct {
	TopicID  int64  `json:"topic_id"`
	CourseID int64  `json:"course_id"`
	Title    string `json:"title"`
	Kind     string `json:"kind" enum:"title,article,notes,caption" doc:"Where the passage is: the topic's title, an article, a video's notes or its captions."`
	URL      string `json:"url" doc:"The topic's page; for captions with #t=<seconds>, which seeks the player there."`
	// VideoSeconds is where the passage starts in the video (captions only).
	VideoSeconds *int   `json:"video_seconds,omitempty" doc:"Where the passage starts in the topic's video (captions only)."`
	Clock        string `json:"clock,omitempty" doc:"VideoSeconds as mm:ss."`
}

// Analytics is the assistant's numbers for the dashboards (rollup.Source).
//
// Daily metrics: assistant.questions per course (questions asked beside a
// topic of the course), assistant.askers (course 0: distinct users who
// asked that day), assistant.tokens (course 0: tokens the model used).
// Snapshot metrics: assistant.conversations (course 0: all conversations).
type Analytics interface {
	rollup.Source
}
