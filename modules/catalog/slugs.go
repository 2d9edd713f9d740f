package catalog

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gosimple/slug"
)

// A slug is optional wherever one is asked for (courses, curriculums,
// lectures, topics): when absent it is derived from the title, made unique
// where slugs must be (courses and curriculums among all, lectures in their
// course, topics in their lecture), and kept afterwards — a title change
// never changes a slug, since URLs, bundles and imports name rows by it.

// slugBaseLength bounds a derived slug before its "-N" suffix, so that the
// suffixed slug stays within MaxSlugLength.
const slugBaseLength = MaxSlugLength - 8

// Slugify derives a slug from a title: Hangul is romanised by the Revised
// Romanization of Korean (letter by letter), other scripts are
// transliterated to ASCII (gosimple/slug), and the words are joined by
// hyphens in lower case, at most slugBaseLength bytes (cut between words).
// A title with no letter or digit gives "".
func Slugify(title string) string {
	s := slug.Make(romanizeHangul(title))
	if len(s) > slugBaseLength {
		s = s[:slugBaseLength]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		}
		s = strings.Trim(s, "-")
	}
	return s
}

// The Revised Romanization's letters (2000), in Unicode's jamo order: the
// initial consonants, the vowels, and the final consonants as pronounced at
// the end of a syllable. Sound changes across syllables (연음, 비음화) are
// not applied: a slug only needs to be readable and stable.
var (
	rrInitials = [19]string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	rrVowels   = [21]string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	rrFinals   = [28]string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

// romanizeHangul replaces the precomposed Hangul syllables of s by their
// romanisation, leaving everything else as it is.
func romanizeHangul(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0xAC00 || r > 0xD7A3 {
			b.WriteRune(r)
			continue
		}
		i := int(r - 0xAC00)
		b.WriteString(rrInitials[i/588])
		b.WriteString(rrVowels[i%588/28])
		b.WriteString(rrFinals[i%28])
	}
	return b.String()
}

// uniqueSlug returns base (or fallback when base is empty) if taken does
// not hold it, else the first of base-2, base-3, … that it does not.
func uniqueSlug(base, fallback string, taken func(string) bool) string {
	if base == "" {
		base = fallback
	}
	s := base
	for n := 2; taken(s); n++ {
		s = fmt.Sprintf("%s-%d", base, n)
	}
	return s
}

// deriveSlug derives from title a slug that no row of model's table
// (aliased alias) holds, live or deleted (the unique index covers both).
// Two transactions deriving from the same base take turns on a named lock:
// the second reads the first's slug once it commits (Postgres reads
// committed rows per statement; SQLite runs writers one at a time), so
// concurrent creations of one title get -2, -3… rather than a conflict.
func (s *service) deriveSlug(ctx context.Context, tx bun.IDB, model any, alias, title, fallback string) (string, error) {
	base := cmp.Or(Slugify(title), fallback)
	if err := s.db.LockKey(ctx, tx, "catalog.slug:"+alias+":"+base); err != nil {
		return "", err
	}
	used, err := s.st.slugsLike(ctx, tx, model, alias, base)
	if err != nil {
		return "", err
	}
	return uniqueSlug(base, fallback, func(x string) bool { return used[x] }), nil
}

// fillOutlineSlugs gives every lecture and topic of an outline that has no
// slug one: the slug its row has when the input names the row by id (a
// title change keeps the slug), else one derived from its title, unique
// among the course's lectures or the lecture's topics. Slugs given stay as
// they are, for validation to judge. lectureSlugs and topicSlugs are the
// existing rows' slugs by id.
func fillOutlineSlugs(lectures []LectureInput, lectureSlugs, topicSlugs map[int64]string) {
	kept := func(id *int64, slugs map[int64]string) string {
		if id == nil {
			return ""
		}
		return slugs[*id]
	}
	fill := func(n int, slugOf func(int) *string, id func(int) *int64, title func(int) string, existing map[int64]string, fallback string) {
		used := map[string]bool{}
		for i := range n {
			if s := slugOf(i); *s == "" {
				*s = kept(id(i), existing)
			}
			used[*slugOf(i)] = true
		}
		for i := range n {
			if s := slugOf(i); *s == "" {
				*s = uniqueSlug(Slugify(title(i)), fallback, func(x string) bool { return used[x] })
				used[*s] = true
			}
		}
	}
	fill(len(lectures), func(i int) *string { return &lectures[i].Slug }, func(i int) *int64 { return lectures[i].ID },
		func(i int) string { return lectures[i].Title }, lectureSlugs, "lecture")
	for i := range lectures {
		ts := lectures[i].Topics
		fill(len(ts), func(j int) *string { return &ts[j].Slug }, func(j int) *int64 { return ts[j].ID },
			func(j int) string { return ts[j].Title }, topicSlugs, "topic")
	}
}
