package assistant

import (
	"bufio"
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Passages are what a question is answered from: the pieces of a course's
// content small enough to put a few into a prompt, each tied to its topic
// and, for captions, to a moment of the video.

// Passage kinds.
const (
	kindTitle   = "title"
	kindArticle = "article"
	kindNotes   = "notes"
	kindCaption = "caption"
)

const (
	// maxPassageRunes bounds one passage of an article or notes.
	maxPassageRunes = 700
	// captionWindow groups caption cues into passages of about this long.
	captionWindowMS = 30_000
	// maxCaptionRunes bounds one caption passage.
	maxCaptionRunes = 600
)

// piece is a passage before it is stored.
type piece struct {
	Kind    string
	StartMS int64 // -1: no moment
	Body    string
}

// cue is one WebVTT cue: its start and its text.
type cue struct {
	StartMS int64
	Text    string
}

var (
	reTag       = regexp.MustCompile(`<[^>]*>`)
	reTimestamp = regexp.MustCompile(`^((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})`)
)

// parseTimestamp reads "hh:mm:ss.ttt" or "mm:ss.ttt" into milliseconds.
func parseTimestamp(s string) (int64, bool) {
	s = strings.Replace(s, ",", ".", 1)
	main, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0, false
	}
	parts := strings.Split(main, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var total int64
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || n > 1_000_000 {
			return 0, false
		}
		total = total*60 + n
	}
	for len(frac) < 3 {
		frac += "0"
	}
	ms, err := strconv.ParseInt(frac[:3], 10, 64)
	if err != nil {
		return 0, false
	}
	return total*1000 + ms, true
}

// parseVTT returns the cues of a WebVTT file in order, their text without
// markup (<v Speaker>, <b>, timestamps) and entities decoded. Blocks that
// are not cues (NOTE, STYLE, REGION, the header) are skipped; a malformed
// cue is skipped, never an error: captions are only a source of text.
func parseVTT(data []byte) []cue {
	var out []cue
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var cur *cue
	var text []string
	flush := func() {
		if cur != nil {
			t := cleanCueText(strings.Join(text, " "))
			if t != "" {
				cur.Text = t
				out = append(out, *cur)
			}
		}
		cur, text = nil, nil
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if cur != nil {
			text = append(text, line)
			continue
		}
		if m := reTimestamp.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			if ms, ok := parseTimestamp(m[1]); ok {
				cur = &cue{StartMS: ms}
			}
		}
	}
	flush()
	return out
}

// cleanCueText drops tags and decodes the entities WebVTT allows.
func cleanCueText(s string) string {
	s = reTag.ReplaceAllString(s, "")
	s = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&nbsp;", " ", "&lrm;", "", "&rlm;", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// captionPieces groups cues into passages of about captionWindowMS each,
// starting at their first cue.
func captionPieces(cues []cue) []piece {
	var out []piece
	var b strings.Builder
	start := int64(-1)
	flush := func() {
		if b.Len() > 0 {
			out = append(out, piece{Kind: kindCaption, StartMS: start, Body: b.String()})
		}
		b.Reset()
		start = -1
	}
	for _, c := range cues {
		if start >= 0 && (c.StartMS-start >= captionWindowMS || utf8.RuneCountInString(b.String())+utf8.RuneCountInString(c.Text) > maxCaptionRunes) {
			flush()
		}
		if start < 0 {
			start = c.StartMS
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(truncateRunes(c.Text, maxCaptionRunes))
	}
	flush()
	return out
}

var (
	reMDImage   = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	reMDLink    = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	reMDPrefix  = regexp.MustCompile(`^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)`)
	reMDEmph    = regexp.MustCompile("(\\*\\*|__|\\*|_|`)")
	reMDHTMLTag = regexp.MustCompile(`</?[A-Za-z][^>]*>`)
)

// markdownText turns Markdown into plain text, one paragraph per element
// (code blocks kept as they are: a learner asks about code).
func markdownText(md string) []string {
	var paras []string
	var cur []string
	inFence := false
	flush := func() {
		if len(cur) > 0 {
			if p := strings.TrimSpace(strings.Join(cur, " ")); p != "" {
				paras = append(paras, p)
			}
		}
		cur = nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			inFence = !inFence
			if !inFence {
				flush()
			}
			continue
		}
		if inFence {
			cur = append(cur, trimmed)
			continue
		}
		if trimmed == "" {
			flush()
			continue
		}
		if strings.HasPrefix(trimmed, "#") || reMDPrefix.MatchString(line) {
			flush() // a heading or an item starts a paragraph of its own
		}
		t := reMDPrefix.ReplaceAllString(line, "")
		t = reMDImage.ReplaceAllString(t, "$1")
		t = reMDLink.ReplaceAllString(t, "$1")
		t = reMDHTMLTag.ReplaceAllString(t, "")
		t = reMDEmph.ReplaceAllString(t, "")
		t = strings.Join(strings.Fields(t), " ")
		if t != "" {
			cur = append(cur, t)
		}
	}
	flush()
	return paras
}

// textPieces splits Markdown into passages of at most maxPassageRunes,
// paragraphs kept whole where they fit.
func textPieces(kind, md string) []piece {
	var out []piece
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, piece{Kind: kind, StartMS: -1, Body: b.String()})
		}
		b.Reset()
	}
	for _, p := range markdownText(md) {
		if longerThan(p, maxPassageRunes) {
			flush()
			for longerThan(p, maxPassageRunes) {
				head := truncateRunes(p, maxPassageRunes)
				out = append(out, piece{Kind: kind, StartMS: -1, Body: head})
				p = strings.TrimSpace(p[len(head):])
			}
		}
		if b.Len() > 0 && utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(p) > maxPassageRunes {
			flush()
		}
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p)
	}
	flush()
	return out
}

// longerThan reports whether s has more than n runes, counting at most n+1.
func longerThan(s string, n int) bool {
	i := 0
	for range s {
		if i == n {
			return true
		}
		i++
	}
	return false
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// Korean particles and endings stripped from a word's end, longest first,
// so "변수를" and "변수는" both search for "변수".
var particles = []string{
	"에서는", "으로는", "이라는", "이라고", "입니다", "인가요", "한가요", "하나요", "했나요", "할까요", "합니까", "인데요",
	"에서", "으로", "에게", "께서", "부터", "까지", "처럼", "보다", "이란", "이랑", "하고", "라는", "라고",
	"하는", "하면", "해요", "나요", "가요", "까요", "이요", "예요", "이에", "에요", "죠",
	"은", "는", "이", "가", "을", "를", "에", "의", "로", "와", "과", "도", "만", "란", "요",
}

// stopwords are words of questions that find nothing by themselves.
var stopwords = map[string]bool{
	"what": true, "how": true, "why": true, "when": true, "where": true, "which": true, "who": true, "the": true,
	"is": true, "are": true, "was": true, "does": true, "do": true, "did": true, "can": true, "a": true, "an": true,
	"of": true, "to": true, "in": true, "on": true, "for": true, "and": true, "or": true, "it": true, "this": true,
	"that": true, "with": true, "about": true, "me": true, "explain": true, "please": true, "you": true, "i": true,
	"무엇": true, "뭐": true, "뭔가": true, "어떻게": true, "왜": true, "언제": true, "어디": true, "무슨": true,
	"설명": true, "알려": true, "주세요": true, "해주세요": true, "알려주세요": true, "있나요": true, "있어요": true,
	"그": true, "이것": true, "저": true, "제": true, "좀": true, "어떤": true, "방법": true, "뭐예요": true, "무엇인가요": true,
}

// maxTerms bounds the search terms one question makes, of the first
// maxCandidates words kept.
const (
	maxTerms      = 8
	maxCandidates = 64
)

// searchTerms turns a question into the terms searched for: its words
// without punctuation, stop words and Korean particles, at least two
// characters long, the longest first (the most telling), at most maxTerms.
func searchTerms(q string) []string {
	seen := map[string]bool{}
	var out []string
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '#' || r == '+' || r == '.')
	})
	for _, w := range words {
		if len(out) == maxCandidates {
			break
		}
		w = strings.Trim(w, ".")
		if stopwords[w] {
			continue
		}
		if isHangul(w) {
			for _, p := range particles {
				if s, ok := strings.CutSuffix(w, p); ok && utf8.RuneCountInString(s) >= 2 {
					w = s
					break
				}
			}
		}
		if utf8.RuneCountInString(w) < 2 || stopwords[w] || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, truncateRunes(w, 40))
	}
	// Longest first: stable, so equal lengths keep the question's order.
	sort.SliceStable(out, func(i, j int) bool { return utf8.RuneCountInString(out[i]) > utf8.RuneCountInString(out[j]) })
	if len(out) > maxTerms {
		out = out[:maxTerms]
	}
	return out
}

// isHangul reports whether s ends in a Hangul syllable.
func isHangul(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.Is(unicode.Hangul, r)
}

// clockText formats milliseconds as "mm:ss" (or "h:mm:ss").
func clockText(ms int64) string {
	s := ms / 1000
	if s >= 3600 {
		return strconv.FormatInt(s/3600, 10) + ":" + pad2(s/60%60) + ":" + pad2(s%60)
	}
	return pad2(s/60) + ":" + pad2(s%60)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
