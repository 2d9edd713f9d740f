package assistant

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseVTT(t *testing.T) {
	data := "\ufeffWEBVTT - 강의\r\n\r\nNOTE 메모는 건너뛰어요\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\n" +
		"intro\r\n00:00:01.500 --> 00:00:04.000 align:start\r\n<v 강사>안녕하세요 &amp; <b>반가워요</b></v>\r\n둘째 줄\r\n\r\n" +
		"01:02.25 --> 01:05.000\r\n짧은 밀리초\r\n\r\n" +
		"99:99 --> 나쁜 줄\r\n무시\r\n\r\n" +
		"1:00:00.000 --> 1:00:02.000\r\n한 시간\r\n"
	got := parseVTT([]byte(data))
	want := []cue{{1500, "안녕하세요 & 반가워요 둘째 줄"}, {62250, "짧은 밀리초"}, {3600000, "한 시간"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestCaptionPieces(t *testing.T) {
	cues := []cue{{0, "하나"}, {10_000, "둘"}, {29_000, "셋"}, {31_000, "넷"}, {95_000, "다섯"}}
	got := captionPieces(cues)
	if len(got) != 3 || got[0].Body != "하나 둘 셋" || got[0].StartMS != 0 || got[1].StartMS != 31_000 ||
		got[2].StartMS != 95_000 || got[2].Kind != kindCaption {
		t.Fatalf("%+v", got)
	}
}

func TestTextPieces(t *testing.T) {
	md := "# 제목\n\n첫 문단의 **굵은** 글과 [링크](https://example.com) 그리고 ![그림](a.png).\n\n" +
		"- 항목 하나\n- 항목 둘\n\n```js\nconst a = 1;\n```\n\n" + strings.Repeat("가나다라 ", 400)
	ps := textPieces(kindArticle, md)
	all := ""
	for _, p := range ps {
		if n := utf8.RuneCountInString(p.Body); n > maxPassageRunes || n == 0 {
			t.Errorf("a passage of %d runes", n)
		}
		if p.StartMS != -1 || p.Kind != kindArticle {
			t.Errorf("%+v", p)
		}
		all += p.Body + "\n"
	}
	for _, want := range []string{"제목", "첫 문단의 굵은 글과 링크 그리고 그림.", "항목 하나", "const a = 1;"} {
		if !strings.Contains(all, want) {
			t.Errorf("%q missing from %q", want, all)
		}
	}
	for _, not := range []string{"**", "https://", "```", "# "} {
		if strings.Contains(all, not) {
			t.Errorf("%q left in %q", not, all)
		}
	}
}

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string][]string{
		"클로저가 뭐예요?":                {"클로저"},
		"변수를 선언하는 방법은 무엇인가요?":      {"변수", "선언"},
		"let과 const의 차이는?":         {"const", "let", "차이"},
		"What is a closure in JS?": {"closure", "js"},
		"   ?!  ":                  nil,
		"자바스크립트에서는 호이스팅이 왜 일어나나요": {"자바스크립트", "호이스팅", "일어나"},
	} {
		if got := searchTerms(q); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", q, got, want)
		}
	}
	if n := len(searchTerms(strings.Repeat("낱말들 ", 50) + "가나 다라 마바 사아 자차 카타 파하 일이 삼사 오육")); n > maxTerms {
		t.Errorf("%d terms", n)
	}
}

func TestClockText(t *testing.T) {
	for ms, want := range map[int64]string{0: "00:00", 35_000: "00:35", 754_999: "12:34", 3_723_000: "1:02:03"} {
		if got := clockText(ms); got != want {
			t.Errorf("%d: %q, want %q", ms, got, want)
		}
	}
}

// FuzzPassages: whatever a captions file or a Markdown body holds, the
// parsers never panic, never loop, and make passages of bounded, valid
// text with times that never go backwards within a file's cues.
func FuzzPassages(f *testing.F) {
	f.Add("WEBVTT\n\n00:01.000 --> 00:02.000\n안녕\n", "# 제목\n\n본문")
	f.Add("WEBVTT\n\n1:00:00.5 --> x\n<v a>b</v>\n\n00:00:00,000 --> 00:00:01,000\n&lt;tag&gt;", "```\ncode\n")
	f.Add("\xff\xfe\x00WEBVTT\n\n99:59:59.999 --> 99:59:59.999\n"+strings.Repeat("가", 2000), strings.Repeat("![a](b)", 300))
	f.Add("00:00.000 --> 00:01.000\n\n\n\n", "> quote\n1. item\n<div>html</div>")
	f.Fuzz(func(t *testing.T, vtt, md string) {
		cues := parseVTT([]byte(vtt))
		for _, c := range cues {
			if c.StartMS < 0 || c.Text == "" || c.Text != strings.TrimSpace(c.Text) {
				t.Fatalf("bad cue %+v", c)
			}
		}
		for _, p := range captionPieces(cues) {
			if p.StartMS < 0 || p.Body == "" || utf8.RuneCountInString(p.Body) > maxCaptionRunes*2 {
				t.Fatalf("bad caption passage %+v", p)
			}
		}
		for _, p := range textPieces(kindNotes, md) {
			if p.Body == "" || utf8.RuneCountInString(p.Body) > maxPassageRunes {
				t.Fatalf("bad passage of %d runes", utf8.RuneCountInString(p.Body))
			}
		}
		for _, term := range searchTerms(vtt + " " + md) {
			if utf8.RuneCountInString(term) < 2 || !utf8.ValidString(term) && utf8.ValidString(vtt+md) {
				t.Fatalf("bad term %q", term)
			}
		}
	})
}
