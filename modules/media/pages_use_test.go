package media_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/weaverse/weaverse/app/apptest"
	"github.com/weaverse/weaverse/modules/media"
)

// useCourse is a course made for the "use in…" tests: its id and its
// topics' ids by slug.
type useCourse struct {
	ID     int64
	Topics map[string]int64
}

// newUseCourse creates a course of owner's with one lecture ("1강") of two
// video topics ("vars": 변수, "funcs": 함수) and an article ("notes": 읽기).
func newUseCourse(t *testing.T, ta *apptest.T, owner user, slug, title, status string) useCourse {
	t.Helper()
	var out struct {
		ID       int64
		Lectures []struct {
			Topics []struct {
				ID   int64
				Slug string
			}
		}
	}
	ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": slug, "title": title, "category": "frontend",
		"skill_level": "beginner", "price": 1000, "status": status, "lectures": []map[string]any{{"slug": "l1", "title": "1강",
			"topics": []map[string]any{{"slug": "vars", "title": "변수", "kind": "video"}, {"slug": "funcs", "title": "함수", "kind": "video"},
				{"slug": "notes", "title": "읽기", "kind": "article", "body": "본문"}}}}},
		bearer(owner)...).Status(201).JSON(&out)
	c := useCourse{ID: out.ID, Topics: map[string]int64{}}
	for _, tp := range out.Lectures[0].Topics {
		c.Topics[tp.Slug] = tp.ID
	}
	return c
}

// courseMedia reads what a course names: its intro video, its picture and
// its topics' videos by topic id.
func courseMedia(t *testing.T, ta *apptest.T, u user, id int64) (intro, thumb string, videos map[int64]string) {
	t.Helper()
	var c struct {
		IntroVideo string `json:"intro_video"`
		Thumbnail  string `json:"thumbnail"`
		Lectures   []struct {
			Topics []struct {
				ID      int64
				Content struct {
					Video string `json:"video"`
				} `json:"content"`
			}
		}
	}
	ta.Get(fmt.Sprintf("/api/courses/%d/", id), bearer(u)...).Status(200).JSON(&c)
	videos = map[int64]string{}
	for _, l := range c.Lectures {
		for _, tp := range l.Topics {
			videos[tp.ID] = tp.Content.Video
		}
	}
	return c.IntroVideo, c.Thumbnail, videos
}

// "Use in…" from the library: each video and image says where courses use
// it, with links to the editors the viewer may open; a video goes into a
// video topic or becomes a course's intro, an image a course's picture, of
// the courses the viewer may edit. Someone else's media are 404; a course
// the viewer may not edit, a topic of another kind or none at all is an
// error flash, and nothing changes; students are refused.
func TestStudioMediaUse(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		admin := newUser(t, ta, "admin", "admin")
		student := newUser(t, ta, "student", "student")
		mine := newUseCourse(t, ta, tutor, "mine", "영상 강좌", "draft")
		theirs := newUseCourse(t, ta, other, "theirs", "남의 강좌", "published")
		theirDraft := newUseCourse(t, ta, other, "their-draft", "남의 초안", "draft")
		vid := insertVideo(t, ta, tutor.ID, "1강 오리엔테이션", "ready", 100, "")
		processing := insertVideo(t, ta, tutor.ID, "변환 중", "processing", 10, "")
		failed := insertVideo(t, ta, tutor.ID, "깨진 영상", "failed", 0, "ffprobe: moov atom not found")
		theirVid := insertVideo(t, ta, other.ID, "남의 영상", "ready", 100, "")
		var img, theirImg media.Image
		upload(ta, "/api/images/upload/", tutor, "a.png", pngBytes(80, 60), "alt", "표지").Status(201).JSON(&img)
		upload(ta, "/api/images/upload/", other, "b.png", pngBytes(80, 60), "alt", "남의 표지").Status(201).JSON(&theirImg)
		videoAttach := func(id int64) string { return fmt.Sprintf("/studio/media/videos/%d/attach", id) }
		imageAttach := func(id int64) string { return fmt.Sprintf("/studio/media/images/%d/attach", id) }
		vars, funcs, notes := mine.Topics["vars"], mine.Topics["funcs"], mine.Topics["notes"]

		// Unused so far; the forms offer the tutor's course only, its video
		// topics grouped under it, and its intro.
		res := page(ta, &tutor, "/studio/media").Status(200)
		body := string(res.Body)
		for _, want := range []string{
			"아직 어느 강좌에도 쓰지 않았어요.",
			fmt.Sprintf(`action="/studio/media/videos/%d/attach"`, vid), `name="target" required`,
			`<optgroup label="영상 강좌">`, fmt.Sprintf(`<option value="course:%d">강좌 소개 영상 — 영상 강좌</option>`, mine.ID),
			fmt.Sprintf(`<option value="topic:%d">1강 › 변수</option>`, vars), fmt.Sprintf(`<option value="topic:%d">1강 › 함수</option>`, funcs),
			fmt.Sprintf(`action="/studio/media/images/%d/attach"`, img.ID), fmt.Sprintf(`<option value="%d">영상 강좌</option>`, mine.ID),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("library lacks %q", want)
			}
		}
		for _, not := range []string{fmt.Sprintf(`value="topic:%d"`, notes), "남의 강좌", "남의 초안", fmt.Sprintf(`value="topic:%d"`, theirs.Topics["vars"])} {
			if strings.Contains(body, not) {
				t.Errorf("library offers %q", not)
			}
		}
		// A processing video's form waits (hidden) for the script to show
		// it; a failed one has none.
		res.InOrder(fmt.Sprintf(`id="video-%d"`, failed), fmt.Sprintf(`id="video-%d"`, processing),
			`<details class="media-use" data-video-ready-only hidden>`, fmt.Sprintf(`id="video-%d"`, vid),
			`<details class="media-use" data-video-ready-only>`)
		if strings.Count(body, `<details class="media-use"`) != 2 {
			t.Errorf("%d video use panels", strings.Count(body, `<details class="media-use"`))
		}
		csp(t, body)
		page(ta, &tutor, "/studio/media?lang=en").Status(200).Contains("Not used in any course yet.", "Use in a course", "Course intro video — 영상 강좌")

		// A video into a topic, then as the intro; an image as the picture.
		r := formPost(ta, &tutor, videoAttach(vid), "target", fmt.Sprintf("topic:%d", vars))
		redirected(t, ta, &tutor, r, fmt.Sprintf("/studio/media#video-%d", vid)).
			Contains("‘변수’ 토픽에 영상을 넣었어요. (영상 강좌)",
				fmt.Sprintf(`<li><a href="/studio/courses/%d/topics/%d">영상 강좌 › 1강 › 변수</a></li>`, mine.ID, vars),
				fmt.Sprintf(`<option value="topic:%d">1강 › 변수 (지금 사용 중)</option>`, vars))
		// The form's other fields work too: topic_id, course_id (the intro).
		r = formPost(ta, &tutor, videoAttach(vid), "course_id", fmt.Sprint(mine.ID))
		redirected(t, ta, &tutor, r, fmt.Sprintf("/studio/media#video-%d", vid)).
			Contains("‘영상 강좌’ 강좌의 소개 영상으로 정했어요.",
				fmt.Sprintf(`<li><a href="/studio/courses/%d/settings">영상 강좌 › 강좌 소개 영상</a></li>`, mine.ID))
		redirected(t, ta, &tutor, formPost(ta, &tutor, videoAttach(vid), "topic_id", fmt.Sprint(funcs)), fmt.Sprintf("/studio/media#video-%d", vid))
		r = formPost(ta, &tutor, imageAttach(img.ID), "course_id", fmt.Sprint(mine.ID))
		res = redirected(t, ta, &tutor, r, fmt.Sprintf("/studio/media#image-%d", img.ID))
		body = string(res.Body)
		for _, want := range []string{
			"‘영상 강좌’ 강좌 사진으로 정했어요.",
			fmt.Sprintf(`<li><a href="/studio/courses/%d/settings">영상 강좌 › 강좌 사진</a></li>`, mine.ID),
			fmt.Sprintf(`<option value="%d">영상 강좌 (지금 사용 중)</option>`, mine.ID),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("library lacks %q", want)
			}
		}
		// The video's uses in order: the course's own, then its topics in
		// outline order.
		res.InOrder(fmt.Sprintf(`id="video-%d"`, vid), "영상 강좌 › 강좌 소개 영상", "영상 강좌 › 1강 › 변수", "영상 강좌 › 1강 › 함수", `id="images"`)
		intro, thumb, videos := courseMedia(t, ta, tutor, mine.ID)
		if intro != media.VideoRef(vid) || thumb != media.ImageRef(img.ID) || videos[vars] != media.VideoRef(vid) || videos[funcs] != media.VideoRef(vid) {
			t.Fatalf("course media: intro %q, picture %q, topics %v", intro, thumb, videos)
		}

		// Refused: the reason in a flash, back at the item; nothing changes.
		for _, c := range []struct {
			name   string
			path   string
			fields []string
			want   string
		}{
			{"another's published course", videoAttach(vid), []string{"target", fmt.Sprintf("topic:%d", theirs.Topics["vars"])}, "사용하지 못했어요: 이 작업을 수행할 권한이 없습니다."},
			{"another's course as intro", videoAttach(vid), []string{"target", fmt.Sprintf("course:%d", theirs.ID)}, "사용하지 못했어요: 이 작업을 수행할 권한이 없습니다."},
			{"another's draft", videoAttach(vid), []string{"target", fmt.Sprintf("topic:%d", theirDraft.Topics["vars"])}, "사용하지 못했어요: 토픽을 찾을 수 없습니다."},
			{"no such topic", videoAttach(vid), []string{"topic_id", "999999"}, "사용하지 못했어요: 토픽을 찾을 수 없습니다."},
			{"an article", videoAttach(vid), []string{"target", fmt.Sprintf("topic:%d", notes)}, "사용하지 못했어요: 영상 토픽이 아닙니다."},
			{"nothing chosen", videoAttach(vid), []string{"target", ""}, "사용하지 못했어요: 어디에 쓸지 골라 주세요."},
			{"a malformed target", videoAttach(vid), []string{"target", "lecture:1"}, "어디에 쓸지 골라 주세요."},
			{"another's course picture", imageAttach(img.ID), []string{"course_id", fmt.Sprint(theirs.ID)}, "사용하지 못했어요: 이 작업을 수행할 권한이 없습니다."},
			{"another's draft picture", imageAttach(img.ID), []string{"course_id", fmt.Sprint(theirDraft.ID)}, "사용하지 못했어요: 강좌를 찾을 수 없습니다."},
			{"an image in a topic", imageAttach(img.ID), []string{"topic_id", fmt.Sprint(vars)}, "어디에 쓸지 골라 주세요."},
		} {
			t.Run(c.name, func(t *testing.T) {
				anchor := fmt.Sprintf("#video-%d", vid)
				if strings.Contains(c.path, "/images/") {
					anchor = fmt.Sprintf("#image-%d", img.ID)
				}
				redirected(t, ta, &tutor, formPost(ta, &tutor, c.path, c.fields...), "/studio/media"+anchor).Contains("alert-danger", c.want)
			})
		}
		// Someone else's video or image is the 404 page, whatever the target;
		// students and the signed-out are refused.
		formPost(ta, &other, videoAttach(vid), "target", fmt.Sprintf("topic:%d", theirs.Topics["vars"])).Status(404)
		formPost(ta, &tutor, videoAttach(theirVid), "target", fmt.Sprintf("topic:%d", vars)).Status(404).Contains("영상을 찾을 수 없습니다.")
		formPost(ta, &tutor, videoAttach(theirVid), "target", "").Status(404)
		formPost(ta, &tutor, imageAttach(theirImg.ID), "course_id", fmt.Sprint(mine.ID)).Status(404)
		formPost(ta, &other, imageAttach(img.ID), "course_id", fmt.Sprint(theirs.ID)).Status(404)
		formPost(ta, &tutor, videoAttach(999999), "target", fmt.Sprintf("topic:%d", vars)).Status(404)
		formPost(ta, &tutor, "/studio/media/videos/abc/attach", "target", fmt.Sprintf("topic:%d", vars)).Status(404)
		formPost(ta, &student, videoAttach(vid), "target", fmt.Sprintf("topic:%d", vars)).Status(403)
		formPost(ta, &student, imageAttach(img.ID), "course_id", fmt.Sprint(mine.ID)).Status(403)
		formPost(ta, nil, videoAttach(vid), "target", fmt.Sprintf("topic:%d", vars)).Status(401)
		formPost(ta, nil, imageAttach(img.ID), "course_id", fmt.Sprint(mine.ID)).Status(401)
		for _, c := range []int64{theirs.ID, theirDraft.ID} {
			if intro, thumb, videos := courseMedia(t, ta, other, c); intro != "" || thumb != "" || videos[theirs.Topics["vars"]] != "" || videos[theirDraft.Topics["vars"]] != "" {
				t.Errorf("another tutor's course %d changed: %q %q %v", c, intro, thumb, videos)
			}
		}
		if _, _, videos := courseMedia(t, ta, tutor, mine.ID); videos[notes] != "" {
			t.Errorf("an article got a video: %v", videos)
		}

		// An admin may put the tutor's video in another tutor's course: the
		// tutor sees that use, without a link to an editor they cannot open;
		// the admin sees links to both.
		redirected(t, ta, &admin, formPost(ta, &admin, videoAttach(vid), "target", fmt.Sprintf("topic:%d", theirs.Topics["funcs"])), fmt.Sprintf("/studio/media#video-%d", vid))
		page(ta, &tutor, "/studio/media").Status(200).Contains("<li>남의 강좌 › 1강 › 함수</li>").NotContains(fmt.Sprintf(`/topics/%d"`, theirs.Topics["funcs"]))
		page(ta, &admin, "/studio/media").Status(200).Contains(
			fmt.Sprintf(`<li><a href="/studio/courses/%d/topics/%d">남의 강좌 › 1강 › 함수</a></li>`, theirs.ID, theirs.Topics["funcs"]),
			fmt.Sprintf(`<li><a href="/studio/courses/%d/topics/%d">영상 강좌 › 1강 › 변수</a></li>`, mine.ID, vars),
			`<optgroup label="남의 강좌">`, `<optgroup label="남의 초안">`, `<optgroup label="영상 강좌">`)

		// A deleted course uses nothing any more.
		ta.Request(http.MethodDelete, fmt.Sprintf("/api/courses/%d/", mine.ID), nil, bearer(tutor)...).Status(204)
		body = string(page(ta, &tutor, "/studio/media").Status(200).Body)
		if strings.Contains(body, "영상 강좌 ›") || !strings.Contains(body, "<li>남의 강좌 › 1강 › 함수</li>") {
			t.Error("the uses of a deleted course are listed")
		}
		if !strings.Contains(body, "편집할 수 있는 강좌가 없어요.") {
			t.Error("the forms offer a deleted course")
		}
	})
}

// The library opened for a topic's video or a course's picture
// (?for=topic:ID, ?for=course:ID, as catalog.MediaLibrary.LibraryURL makes
// it): a banner names it with the way back to the editor; each ready video
// (each image) has one button that puts it there and goes back to the
// editor with a flash; uploads and the other forms keep ?for=. A topic or
// course the viewer cannot edit shows a notice, not an error.
func TestStudioMediaFor(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		other := newUser(t, ta, "other", "tutor")
		mine := newUseCourse(t, ta, tutor, "mine", "영상 강좌", "draft")
		theirs := newUseCourse(t, ta, other, "theirs", "남의 강좌", "published")
		vid := insertVideo(t, ta, tutor.ID, "1강 오리엔테이션", "ready", 100, "")
		processing := insertVideo(t, ta, tutor.ID, "변환 중", "processing", 10, "")
		var img media.Image
		upload(ta, "/api/images/upload/", tutor, "a.png", pngBytes(80, 60), "alt", "표지").Status(201).JSON(&img)
		vars := mine.Topics["vars"]
		lib := media.LibraryURL
		forTopic, forCourse := lib(0, vars), lib(mine.ID, 0)
		if forTopic != fmt.Sprintf("/studio/media?for=topic%%3A%d", vars) || forCourse != fmt.Sprintf("/studio/media?for=course%%3A%d", mine.ID) {
			t.Fatalf("library URLs %q, %q", forTopic, forCourse)
		}
		q := strings.TrimPrefix(forTopic, "/studio/media")

		// For a topic.
		body := string(page(ta, &tutor, forTopic).Status(200).Body)
		for _, want := range []string{
			`<section class="wv-card use-banner"`, "영상 강좌 › 1강", "‘변수’ 토픽에 쓸 영상을 고르세요",
			fmt.Sprintf(`href="/studio/courses/%d/topics/%d"`, mine.ID, vars), "편집기로 돌아가기", `href="/studio/media">고르기 그만두기`,
			fmt.Sprintf(`action="/studio/media/videos/%d/attach%s" data-manage-form data-video-ready-only>`, vid, strings.ReplaceAll(q, "&", "&amp;")),
			fmt.Sprintf(`<input type="hidden" name="target" value="topic:%d">`, vars), "이 토픽에 사용",
			// Not ready yet: the button waits for the script.
			fmt.Sprintf(`action="/studio/media/videos/%d/attach%s" data-manage-form data-video-ready-only hidden>`, processing, q),
			// Uploads and the management forms keep ?for=.
			`action="/studio/media/videos` + q + `" enctype`, `action="/studio/media/images` + q + `" enctype`,
			fmt.Sprintf(`action="/studio/media/videos/%d%s"`, vid, q),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("library for a topic lacks %q", want)
			}
		}
		if strings.Contains(body, "강좌 사진으로 사용</button>") && strings.Contains(body, `name="course_id" value=`) {
			t.Error("images offer to be the topic's video")
		}
		csp(t, body)
		page(ta, &tutor, forTopic+"&lang=en").Status(200).Contains("Choose a video for the topic ‘변수’", "Use in this topic", "Back to the editor")

		// Picked: back to the topic's editor with a flash; the library then
		// marks the topic's video.
		r := formPost(ta, &tutor, fmt.Sprintf("/studio/media/videos/%d/attach%s", vid, q), "target", fmt.Sprintf("topic:%d", vars)).Status(303)
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/studio/courses/%d/topics/%d", mine.ID, vars) {
			t.Fatalf("picked: redirect to %q", loc)
		}
		page(ta, &tutor, "/studio/media", "Cookie", flashCookie(t, r)).Status(200).Contains("‘변수’ 토픽에 영상을 넣었어요. (영상 강좌)")
		page(ta, &tutor, forTopic).Status(200).Contains("지금 이 토픽의 영상").
			NotContains(fmt.Sprintf(`action="/studio/media/videos/%d/attach%s" data-manage-form data-video-ready-only>`, vid, q))
		// Another target from the same page, or a refusal: back to the
		// library, still for the topic.
		r = formPost(ta, &tutor, fmt.Sprintf("/studio/media/videos/%d/attach%s", vid, q), "target", fmt.Sprintf("topic:%d", mine.Topics["funcs"]))
		redirected(t, ta, &tutor, r, fmt.Sprintf("%s#video-%d", forTopic, vid)).Contains("‘함수’ 토픽에 영상을 넣었어요.", "‘변수’ 토픽에 쓸 영상을 고르세요")
		r = formPost(ta, &tutor, fmt.Sprintf("/studio/media/videos/%d/attach%s", vid, q), "target", fmt.Sprintf("topic:%d", theirs.Topics["vars"]))
		redirected(t, ta, &tutor, r, fmt.Sprintf("%s#video-%d", forTopic, vid)).Contains("alert-danger", "권한이 없습니다")
		// The management forms come back to the page for the topic too.
		if loc := formPost(ta, &tutor, fmt.Sprintf("/studio/media/videos/%d%s", vid, q), "title", "새 제목").Status(303).Header.Get("Location"); loc != forTopic {
			t.Errorf("renamed: redirect to %q", loc)
		}

		// For a course's picture: the images' buttons, back to the course editor.
		body = string(page(ta, &tutor, forCourse).Status(200).Body)
		cq := strings.TrimPrefix(forCourse, "/studio/media")
		for _, want := range []string{
			"‘영상 강좌’ 강좌 사진으로 쓸 이미지를 고르세요", fmt.Sprintf(`href="/studio/courses/%d/settings"`, mine.ID), `href="#images"`,
			fmt.Sprintf(`action="/studio/media/images/%d/attach%s"`, img.ID, cq), fmt.Sprintf(`<input type="hidden" name="course_id" value="%d">`, mine.ID),
			"강좌 사진으로 사용",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("library for a course lacks %q", want)
			}
		}
		if strings.Contains(body, "이 토픽에 사용") {
			t.Error("videos offer to be the course's picture")
		}
		r = formPost(ta, &tutor, fmt.Sprintf("/studio/media/images/%d/attach%s", img.ID, cq), "course_id", fmt.Sprint(mine.ID)).Status(303)
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/studio/courses/%d/settings", mine.ID) {
			t.Fatalf("picked: redirect to %q", loc)
		}
		flashCookie(t, r)
		page(ta, &tutor, forCourse).Status(200).Contains("지금 강좌 사진")
		// An upload without JavaScript comes back to the page for the course.
		up := formUpload(ta, &tutor, "/studio/media/images"+cq, "new.png", pngBytes(40, 30), []string{"alt", "새 표지"}).Status(303)
		if loc := up.Header.Get("Location"); loc != forCourse+"#images" {
			t.Errorf("uploaded: redirect to %q", loc)
		}

		// Nothing to pick for: a notice, the library as usual.
		for _, f := range []string{
			lib(theirs.ID, 0), lib(0, theirs.Topics["vars"]), lib(0, 999999), lib(0, mine.Topics["notes"]),
			"/studio/media?for=topic%3Aabc", "/studio/media?for=lecture%3A1", "/studio/media?for=" + url.QueryEscape("topic:-1"),
		} {
			res := page(ta, &tutor, f).Status(200).Contains("고르려던 강좌나 토픽을 찾을 수 없어요.").NotContains("use-banner", "이 토픽에 사용", "강좌 사진으로 사용</button>")
			if strings.Contains(string(res.Body), "attach?for=") {
				t.Errorf("%s: the page keeps the parameter", f)
			}
		}
		page(ta, &other, forTopic).Status(200).NotContains("use-banner", "변수")
	})
}

// The library's queries do not grow with the items on the page, however
// many courses use them.
func TestStudioUsesQueryCount(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, ta *apptest.T) {
		tutor := newUser(t, ta, "tutor", "tutor")
		topics := make([]map[string]any, 20)
		for i := range topics {
			topics[i] = map[string]any{"slug": fmt.Sprintf("t%d", i), "title": fmt.Sprintf("주제 %d", i), "kind": "video"}
		}
		var course struct {
			ID       int64
			Lectures []struct{ Topics []struct{ ID int64 } }
		}
		ta.Request(http.MethodPost, "/api/courses/", map[string]any{"slug": "many", "title": "많은 강좌", "category": "frontend",
			"skill_level": "beginner", "price": 0, "status": "draft", "lectures": []map[string]any{{"slug": "l", "title": "강의", "topics": topics}}},
			bearer(tutor)...).Status(201).JSON(&course)
		attached := 0
		add := func(n int) {
			for range n {
				id := insertVideo(t, ta, tutor.ID, "v", "ready", 100, "")
				ta.Request(http.MethodPost, fmt.Sprintf("/api/videos/%d/attach/", id), map[string]any{"topic_id": course.Lectures[0].Topics[attached].ID},
					bearer(tutor)...).Status(204)
				attached++
			}
		}
		path := media.LibraryURL(0, course.Lectures[0].Topics[0].ID)
		queries := func() int64 {
			page(ta, &tutor, path).Status(200) // warm
			before := ta.App.DB.QueryCount()
			body := string(page(ta, &tutor, path).Status(200).Body)
			if n := strings.Count(body, "많은 강좌 › 강의 › 주제"); n != attached {
				t.Fatalf("%d uses listed, want %d", n, attached)
			}
			return ta.App.DB.QueryCount() - before
		}
		add(1)
		one := queries()
		add(19)
		if twenty := queries(); twenty != one {
			t.Fatalf("the library took %d queries with 1 video in use, %d with 20", one, twenty)
		}
	})
}
