package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
)

// Captions are WebVTT files stored beside a video, one per language. The
// player lists them as <track> elements; the browser parses them (cue text
// is rendered as text, never as HTML), so the server only checks that a file
// is a well-formed WebVTT document of reasonable size.

const (
	// MaxCaptionBytes bounds one captions file: a 3-hour lecture with a cue
	// every 2 seconds is about 400 KB.
	MaxCaptionBytes = 512 << 10
	// maxCaptionTracks bounds the languages of one video.
	maxCaptionTracks = 20
)

// reLangTag is the shape of the tags we take: a 2–3 letter language with
// optional subtags ("ko", "en-US", "zh-Hant-TW"), at most 35 characters.
var reLangTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$`)

var (
	errCaptionNotFound = apperr.New(apperr.NotFound, "media.caption_not_found", "media.caption_not_found")
	errTooManyCaptions = apperr.New(apperr.Conflict, "media.captions_too_many", "media.captions_too_many").
				With(map[string]any{"N": maxCaptionTracks})
)

// Caption is one captions track of a video.
type Caption struct {
	Lang  string `json:"lang" doc:"BCP 47 language tag, e.g. ko or en-US."`
	Label string `json:"label" doc:"The name the player shows."`
}

// PlaybackCaption is a captions track with its signed URL.
type PlaybackCaption struct {
	Caption
	URL string `json:"url"`
}

// ValidateWebVTT checks that data is a WebVTT file (the "WEBVTT" signature,
// UTF-8 text without NUL bytes, at most MaxCaptionBytes) and returns it
// without a byte-order mark.
func ValidateWebVTT(data []byte) ([]byte, error) {
	if len(data) > MaxCaptionBytes {
		return nil, apperr.New(apperr.TooLarge, "media.captions_too_large", "media.captions_too_large").
			With(map[string]any{"KiB": MaxCaptionBytes >> 10})
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	invalid := apperr.New(apperr.Unsupported, "media.captions_invalid", "media.captions_invalid")
	rest, ok := bytes.CutPrefix(data, []byte("WEBVTT"))
	// The signature is followed by the end of the file, or by a space, a
	// tab or a line break (then an optional header text).
	if !ok || (len(rest) > 0 && !strings.ContainsRune(" \t\r\n", rune(rest[0]))) {
		return nil, invalid
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, invalid
	}
	return data, nil
}

// captionLang canonicalises a BCP 47 tag ("KO" → "ko", "en-us" → "en-US").
func captionLang(s string) (language.Tag, string, error) {
	var tag language.Tag
	var err error
	if reLangTag.MatchString(s) {
		tag, err = language.Parse(s)
	}
	if _, conf := tag.Base(); !reLangTag.MatchString(s) || err != nil || tag == language.Und || conf == language.No {
		return language.Und, "", apperr.InvalidFields("request.validation",
			apperr.FieldError{Location: "path.lang", Message: "media.captions_lang", Value: s})
	}
	return tag, tag.String(), nil
}

// captionLabel is the track's name: the one given, or the language's own
// name ("한국어", "English").
func captionLabel(tag language.Tag, label string) string {
	if l := trim(label, 60); l != "" {
		return l
	}
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	return tag.String()
}

func captionsOut(cs []storedCaption) []Caption {
	out := make([]Caption, 0, len(cs))
	for _, c := range cs {
		out = append(out, Caption{Lang: c.Lang, Label: c.Label})
	}
	return out
}

// SetCaptions adds or replaces a video's captions in one language.
func (s *service) SetCaptions(ctx context.Context, p *authz.Principal, id int64, lang, label string, data []byte) (Video, error) {
	return s.putCaptions(ctx, id, func(ctx context.Context, idb bun.IDB) (*videoRow, error) {
		return s.video(ctx, idb, p, "update", id)
	}, lang, label, data)
}

// putCaptions stores captions for the video load returns. Each write gets
// its own file (the content's hash plus a random part: two writes never
// share a name, so removing one can never remove the other's), stored
// before the row names it; the file it replaces is removed after the
// commit, and a write that fails removes its own. The same file again
// changes nothing.
func (s *service) putCaptions(ctx context.Context, id int64, load func(context.Context, bun.IDB) (*videoRow, error),
	lang, label string, data []byte) (Video, error) {
	tag, lang, err := captionLang(lang)
	if err != nil {
		return Video{}, err
	}
	if data, err = ValidateWebVTT(data); err != nil {
		return Video{}, err
	}
	sum := sha256.Sum256(data)
	c := storedCaption{Lang: lang, Label: captionLabel(tag, label), SHA256: hex.EncodeToString(sum[:]), Size: len(data)}
	same := func(o storedCaption) bool { return o.Lang == c.Lang && o.Label == c.Label && o.SHA256 == c.SHA256 }
	// What needs no file is answered before one is stored.
	r, err := load(ctx, s.db.R)
	if err != nil {
		return Video{}, err
	}
	i := slices.IndexFunc(r.Captions.V, func(o storedCaption) bool { return o.Lang == lang })
	switch {
	case i >= 0 && same(r.Captions.V[i]):
		return videoOut(r), nil
	case i < 0 && len(r.Captions.V) >= maxCaptionTracks:
		return Video{}, errTooManyCaptions
	}
	random := make([]byte, 4)
	if _, err := rand.Read(random); err != nil {
		return Video{}, err
	}
	c.Key = fmt.Sprintf("videos/%d/captions/%s-%s%s.vtt", id, lang, c.SHA256[:12], hex.EncodeToString(random))
	if err := s.files.Put(ctx, c.Key, bytes.NewReader(data), int64(len(data)), "text/vtt; charset=utf-8"); err != nil {
		return Video{}, err
	}
	var out Video
	var replaced string
	named := false // whether the row names c.Key
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := load(ctx, tx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Captions.V, func(o storedCaption) bool { return o.Lang == lang })
		switch {
		case i >= 0 && same(r.Captions.V[i]):
			out = videoOut(r) // an equal write won meanwhile
			return nil
		case i >= 0:
			replaced = r.Captions.V[i].Key
			r.Captions.V[i] = c
		case len(r.Captions.V) >= maxCaptionTracks:
			return errTooManyCaptions
		default:
			r.Captions.V = append(r.Captions.V, c)
		}
		r.UpdatedAt = s.clock.Now()
		if err := s.st.setCaptions(ctx, tx, r); err != nil {
			return err
		}
		named = true
		out = videoOut(r)
		return nil
	})
	if !named {
		if derr := s.files.Delete(context.WithoutCancel(ctx), c.Key); derr != nil {
			s.logger.WarnContext(ctx, "removing unused captions", "key", c.Key, "err", derr)
		}
	}
	if err != nil {
		return Video{}, err
	}
	if replaced != "" {
		if err := s.files.Delete(ctx, replaced); err != nil {
			s.logger.WarnContext(ctx, "removing replaced captions", "key", replaced, "err", err)
		}
	}
	return out, nil
}

// DeleteCaptions removes a video's captions in one language.
func (s *service) DeleteCaptions(ctx context.Context, p *authz.Principal, id int64, lang string) error {
	_, lang, err := captionLang(lang)
	if err != nil {
		return err
	}
	var removed string
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.video(ctx, tx, p, "update", id)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Captions.V, func(c storedCaption) bool { return c.Lang == lang })
		if i < 0 {
			return errCaptionNotFound
		}
		removed = r.Captions.V[i].Key
		r.Captions.V = slices.Delete(r.Captions.V, i, i+1)
		r.UpdatedAt = s.clock.Now()
		return s.st.setCaptions(ctx, tx, r)
	})
	if err != nil {
		return err
	}
	return s.files.Delete(ctx, removed)
}
