package catalog

import (
	"bytes"
	"log/slog"
	"strings"

	"github.com/hashicorp/golang-lru/v2"
	"github.com/yuin/goldmark"

	"github.com/weaverse/weaverse/modules/accounts"
	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/provide"
)

// service is the catalog's use cases, one file per aggregate: courses.go,
// curriculums.go (and the roadmap), outline.go (the tree writer),
// import.go, mediagate.go and answerkeys.go. A use case authorizes, owns
// its transaction and calls the store.
type service struct {
	db    *db.DB
	st    store
	authz *authz.Enforcer
	clock clock.Clock
	users accounts.Directory
	kinds *Kinds
	// Late-bound: provided by the modules that sell access, track progress
	// and own media (see Module.Needs).
	ent         provide.Slot[Entitlements]
	statuses    provide.Slot[StatusProvider]
	bundleMedia provide.Slot[BundleMedia]
	storefront  provide.Slot[Storefront]
	classroom   provide.Slot[Classroom]
	library     provide.Slot[MediaLibrary]
	md          goldmark.Markdown
	rendered    *lru.Cache[string, string] // Markdown → HTML (see render)
	logger      *slog.Logger
	// i18n holds the category labels a search matches (nil: none).
	i18n *i18n.Bundle
}

// The catalog's permission matrix (Module.Policies): objects, the actions
// on them beyond read/create/update/delete, and the relation of a topic
// that is a free preview. The other relations are authz's.
const (
	objCourse     = "catalog.course"
	objCurriculum = "catalog.curriculum"
	// objTopic is a topic's content; actView reads it (premium content
	// needs a relation to the course), actAnswers also its answer keys.
	objTopic   = "catalog.topic"
	actView    = "view"
	actAnswers = "answers"
	// relFree: the topic is a free preview (not premium).
	relFree = "free"
)

var (
	errCourseNotFound     = apperr.New(apperr.NotFound, "catalog.course_not_found", "catalog.course_not_found")
	errCurriculumNotFound = apperr.New(apperr.NotFound, "catalog.curriculum_not_found", "catalog.curriculum_not_found")
	errTopicNotFound      = apperr.New(apperr.NotFound, "catalog.topic_not_found", "catalog.topic_not_found")
	errSlugTaken          = apperr.New(apperr.Conflict, "catalog.slug_taken", "catalog.slug_taken")
)

// render turns Markdown into safe HTML.
//
// Pages and outlines render the same texts on every request (a course
// page renders all its articles), so the HTML of each text is kept: the
// output depends only on the text, so a cached entry is never stale, and
// an edited text is a new key. Texts over maxCachedMarkdown are rendered
// every time, bounding the cache to renderCacheSize × that.
func (s *service) render(md string) string {
	if strings.TrimSpace(md) == "" {
		return ""
	}
	cacheable := s.rendered != nil && len(md) <= maxCachedMarkdown
	if cacheable {
		if html, ok := s.rendered.Get(md); ok {
			return html
		}
	}
	var b bytes.Buffer
	if err := s.md.Convert([]byte(md), &b); err != nil {
		return ""
	}
	if cacheable {
		s.rendered.Add(md, b.String())
	}
	return b.String()
}

// The rendered-Markdown cache's bounds: 2,048 texts of at most 64 KiB
// (articles are a few KiB), so at most ~128 MiB of source and about as much
// HTML in the worst case, a few MiB for real courses.
const (
	renderCacheSize   = 2048
	maxCachedMarkdown = 64 << 10
)

// newRenderCache is render's cache.
func newRenderCache() *lru.Cache[string, string] {
	c, err := lru.New[string, string](renderCacheSize)
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	return c
}

// readable checks that p may read a course or curriculum given its
// relations; a caller who may not gets notFound, so that a draft's
// existence does not leak.
func (s *service) readable(p *authz.Principal, obj string, r rels, notFound error) error {
	if !s.authz.Allowed(p, obj, "read", r.of()...) {
		return notFound
	}
	return nil
}

// invalid is a validation error of the request body: locations are
// prefixed "body." as the API reports them.
func invalid(errs []apperr.FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	for i := range errs {
		errs[i].Location = "body." + errs[i].Location
	}
	return apperr.InvalidFields("request.validation", errs...)
}

func invalidAt(loc, msg string, value any) error {
	return apperr.InvalidFields("request.validation", apperr.FieldError{Location: loc, Message: msg, Value: value})
}

// conflictOnDuplicate turns a unique violation (a slug taken by a
// concurrent request) into the slug conflict.
func conflictOnDuplicate(err error) error {
	if db.IsUniqueViolation(err) {
		return errSlugTaken
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
