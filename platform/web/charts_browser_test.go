package web_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/weaverse/weaverse/platform/httpx"
	"github.com/weaverse/weaverse/platform/i18n"
	"github.com/weaverse/weaverse/platform/testkit/browser"
	"github.com/weaverse/weaverse/platform/web"
)

// chartTables are three chart tables as the dashboard pages emit them: a
// line chart of won (two series, the dates' short labels in data-label), an
// hbar ranking in percent (one value only in the cell's text, a long title,
// its own summary label) and an empty one.
const chartTables = `<div class="container py-4">
<figure class="wv-chart" id="chart-revenue">
  <table class="table table-sm wv-chart-data" data-chart="line" data-chart-format="krw">
    <caption>매출과 환불 (원)</caption>
    <thead><tr><th scope="col">날짜</th><th scope="col">매출</th><th scope="col">환불</th></tr></thead>
    <tbody>
      <tr><th scope="row" data-label="12-01">2026-12-01</th><td data-value="50000">50,000</td><td data-value="0">0</td></tr>
      <tr><th scope="row" data-label="12-02">2026-12-02</th><td data-value="120000">120,000</td><td data-value="30000">30,000</td></tr>
      <tr><th scope="row" data-label="12-03">2026-12-03</th><td data-value="80000">80,000</td><td data-value="0">0</td></tr>
      <tr><th scope="row" data-label="12-04">2026-12-04</th><td data-value="1500000">1,500,000</td><td data-value="50000">50,000</td></tr>
      <tr><th scope="row" data-label="12-05">2026-12-05</th><td data-value="990000">990,000</td><td data-value="0">0</td></tr>
    </tbody>
  </table>
</figure>
<figure class="wv-chart" id="chart-completion" data-table-label="완료율 표">
  <table class="table table-sm wv-chart-data" data-chart="hbar" data-chart-format="percent">
    <caption>강좌별 완료율</caption>
    <thead><tr><th scope="col">강좌</th><th scope="col">완료율</th></tr></thead>
    <tbody>
      <tr><th scope="row">처음 배우는 웹 개발: HTML과 CSS로 나만의 홈페이지 만들기</th><td data-value="87.5">87.5%</td></tr>
      <tr><th scope="row">Go 백엔드 입문</th><td>42%</td></tr>
      <tr><th scope="row">데이터 분석 기초</th><td data-value="12">12%</td></tr>
    </tbody>
  </table>
</figure>
<figure class="wv-chart" id="chart-empty">
  <table class="table table-sm wv-chart-data" data-chart="bar">
    <caption>수강 신청</caption>
    <thead><tr><th scope="col">날짜</th><th scope="col">신청</th></tr></thead>
    <tbody></tbody>
  </table>
  <p class="text-muted">아직 데이터가 없습니다.</p>
</figure>
</div>`

// The two script tags charts.js documents, in the layout's "scripts" block.
const chartScripts = `<script src="{{asset "vendor/chartjs/chart.umd.min.js"}}" defer></script>
<script src="{{asset "js/charts.js"}}" defer></script>`

var chartPages = fstest.MapFS{
	"charts.html": {Data: []byte(`{{define "title"}}Charts{{end}}{{define "content"}}` + chartTables +
		`{{end}}{{define "scripts"}}` + chartScripts + `{{end}}`)},
	// charts.js without Chart.js (e.g. the vendor file failed to load).
	"nochart.html": {Data: []byte(`{{define "title"}}No Chart.js{{end}}{{define "content"}}` + chartTables +
		`{{end}}{{define "scripts"}}<script src="{{asset "js/charts.js"}}" defer></script>{{end}}`)},
}

// chartApp serves the pages through the real layout, the real static file
// handler and the app's security headers (its Content-Security-Policy).
func chartApp(t *testing.T) *fiber.App {
	t.Helper()
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{I18n: b, Secret: []byte("test-secret")})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddTemplates("charts", chartPages); err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true})
	app.Use(httpx.SecurityHeaders(false))
	app.Use(w.Middleware(nil))
	w.Mount(app)
	for _, p := range []string{"charts", "nochart"} {
		app.Get("/"+p, func(c *fiber.Ctx) error { return w.Render(c, http.StatusOK, "charts/"+p, nil) })
	}
	return app
}

// paintedJS counts the canvas' pixels that are not transparent.
const paintedJS = `((c) => {
	const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
	let n = 0;
	for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
	return n;
})`

// TestChartsInBrowser loads charts.js and the vendored Chart.js under the
// app's CSP in headless Chromium: the non-empty tables become drawn charts
// with their tables folded into <details>, formatted in Korean, the empty
// one stays a table, nothing breaks the policy, enhancing twice changes
// nothing, and without Chart.js the tables are left alone.
func TestChartsInBrowser(t *testing.T) {
	ctx := browser.New(t)
	base := browser.Serve(t, chartApp(t))
	browser.Resize(t, ctx, browser.Desktop)
	browser.WatchCSP(t, ctx)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__errors = []; window.addEventListener("error", (e) => window.__errors.push(String(e.message)));`,
	}); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) any { t.Helper(); return browser.Eval[any](t, ctx, js) }

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/charts"), chromedp.WaitReady(chromedp.CSS("#chart-empty"))); err != nil {
		t.Fatal(err)
	}
	// The page really carries the app's policy.
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(location.href).then((r) => r.headers.get("content-security-policy") || "")`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
		t.Fatalf("CSP = %q (%v)", csp, err)
	}

	browser.WaitJS(t, ctx, 10*time.Second, `document.querySelectorAll(".wv-chart-canvas canvas").length === 2`)
	for _, id := range []string{"chart-revenue", "chart-completion"} {
		c := `document.querySelector("#` + id + ` > .wv-chart-canvas > canvas")`
		// Drawn: the animation (400 ms) leaves a painted canvas.
		browser.WaitJS(t, ctx, 10*time.Second, paintedJS+`(`+c+`) > 500`)
		size := browser.Eval[[]float64](t, ctx, `((c) => { const r = c.getBoundingClientRect(); return [c.width, c.height, r.width, r.height]; })(`+c+`)`)
		for _, v := range size {
			if v <= 0 {
				t.Errorf("%s: canvas size %v", id, size)
			}
		}
		// The table is folded into details (closed) right after the chart.
		if got := eval(`((f) => { const d = f.querySelector(":scope > .wv-chart-canvas + details.wv-chart-table");
			return !!d && !d.open && d.querySelector(":scope > table.wv-chart-data") !== null &&
				f.querySelector(":scope > table") === null && d.querySelector("table").hasAttribute("data-chart-enhanced"); })(document.getElementById("` + id + `"))`); got != true {
			t.Errorf("%s: table not folded into details: %s", id, eval(`document.getElementById("`+id+`").outerHTML`))
		}
	}
	if dir := browser.ScreenshotDir(); dir != "" {
		eval(`document.querySelectorAll("details.wv-chart-table").forEach((d) => { d.open = true; }), true`)
		browser.Screenshot(t, ctx, filepath.Join(dir, "charts-desktop.png"))
		eval(`document.querySelectorAll("details.wv-chart-table").forEach((d) => { d.open = false; }), true`)
	}
	t.Logf("revenue chart: %v painted pixels", eval(paintedJS+`(document.querySelector("#chart-revenue canvas"))`))

	// Accessible names, summaries, the brand colour from --bs-primary.
	checks := map[string]any{
		`document.querySelector("#chart-revenue canvas").getAttribute("role")`:                               "img",
		`document.querySelector("#chart-revenue canvas").getAttribute("aria-label")`:                         "매출과 환불 (원)",
		`document.querySelector("#chart-completion canvas").getAttribute("aria-label")`:                      "강좌별 완료율",
		`document.querySelector("#chart-revenue summary").textContent`:                                       "표로 보기",
		`document.querySelector("#chart-completion summary").textContent`:                                    "완료율 표",
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).config.type`:                        "line",
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).data.labels.join(",")`:              "12-01,12-02,12-03,12-04,12-05",
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).data.datasets.length`:               float64(2),
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).data.datasets[1].label`:             "환불",
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).data.datasets[0].borderColor`:       "#2f5bea",
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).scales.y.min`:                       float64(0),
		`Chart.getChart(document.querySelector("#chart-completion canvas")).options.indexAxis`:               "y",
		`Chart.getChart(document.querySelector("#chart-completion canvas")).scales.x.min`:                    float64(0),
		`Chart.getChart(document.querySelector("#chart-completion canvas")).data.datasets[0].data.join(",")`: "87.5,42,12",
		`Chart.getChart(document.querySelector("#chart-completion canvas")).data.labels[0]`:                  "처음 배우는 웹 개발: HTML과 CSS로 나만의 홈페이지 만들기",
		// Tooltips and ticks, in Korean.
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).options.plugins.tooltip.callbacks.label({parsed: {y: 1500000}, dataset: {label: "매출"}})`:  "매출: 1,500,000원",
		`Chart.getChart(document.querySelector("#chart-completion canvas")).options.plugins.tooltip.callbacks.label({parsed: {x: 87.5}, dataset: {label: "완료율"}})`: "완료율: 87.5%",
		`Chart.getChart(document.querySelector("#chart-revenue canvas")).scales.y.ticks.every((t) => t.label.endsWith("원"))`:                                       true,
		`Chart.getChart(document.querySelector("#chart-completion canvas")).scales.x.ticks.map((t) => t.label).includes("100%")`:                                   true,
		// The empty table stays as the page wrote it.
		`document.querySelector("#chart-empty canvas, #chart-empty details") === null`:       true,
		`document.querySelector("#chart-empty > table").hasAttribute("data-chart-enhanced")`: false,
		`window.__errors.join("; ")`: "",
	}
	for js, want := range checks {
		if got := eval(js); got != want {
			t.Errorf("%s = %#v, want %#v", js, got, want)
		}
	}

	// Idempotent: enhancing again changes nothing.
	before := browser.Eval[string](t, ctx, `document.querySelector("main").innerHTML`)
	eval(`WeaverseCharts.enhance(document), true`)
	if after := browser.Eval[string](t, ctx, `document.querySelector("main").innerHTML`); after != before {
		t.Errorf("a second enhance changed the page")
	}
	// Time formats (data-value in seconds) and stacking, on tables added
	// later and enhanced by WeaverseCharts.enhance.
	eval(`((main) => {
		for (const [id, format] of [["chart-hours", "hours"], ["chart-minutes", "minutes"]]) {
			const f = document.createElement("figure");
			f.className = "wv-chart";
			f.id = id;
			f.innerHTML = '<table class="table wv-chart-data" data-chart="bar" data-chart-stacked="true" data-chart-format="' + format + '">' +
				'<caption>시간</caption><thead><tr><th>주</th><th>영상</th><th>미션</th></tr></thead>' +
				'<tbody><tr><th>1주</th><td data-value="5400">1.5</td><td data-value="600">0.2</td></tr></tbody></table>';
			main.append(f);
		}
		WeaverseCharts.enhance(main);
		return true;
	})(document.querySelector("main"))`)
	for js, want := range map[string]any{
		`Chart.getChart(document.querySelector("#chart-hours canvas")).options.plugins.tooltip.callbacks.label({parsed: {y: 1.5}, dataset: {label: "영상"}})`:  "영상: 1.5시간",
		`Chart.getChart(document.querySelector("#chart-minutes canvas")).options.plugins.tooltip.callbacks.label({parsed: {y: 90}, dataset: {label: "영상"}})`: "영상: 90분",
		`Chart.getChart(document.querySelector("#chart-hours canvas")).options.scales.y.stacked`:                                                             true,
		`Chart.getChart(document.querySelector("#chart-hours canvas")).scales.y.max >= 1.6`:                                                                  true, // 5400 s + 600 s stacked, charted in hours
	} {
		if got := eval(js); got != want {
			t.Errorf("%s = %#v, want %#v", js, got, want)
		}
	}

	browser.NoCSPViolations(t, ctx)
	// The watcher does see the policy at work: a style attribute is refused.
	eval(`document.body.setAttribute("style", "color: red"), true`)
	browser.WaitJS(t, ctx, time.Second, `window.__csp.some((v) => v.startsWith("style-src"))`)

	// Reduced motion: no animation.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/charts")); err != nil {
		t.Fatal(err)
	}
	browser.WaitJS(t, ctx, 10*time.Second, `document.querySelectorAll(".wv-chart-canvas canvas").length === 2`)
	if got := eval(`Chart.getChart(document.querySelector("#chart-revenue canvas")).options.animation`); got != false {
		t.Errorf("animation with prefers-reduced-motion = %#v", got)
	}
	browser.NoCSPViolations(t, ctx)

	// Without Chart.js: charts.js ran and left every table as it was.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/nochart"), chromedp.WaitReady(chromedp.CSS("#chart-empty"))); err != nil {
		t.Fatal(err)
	}
	browser.WaitJS(t, ctx, 5*time.Second, `document.readyState === "complete" && typeof WeaverseCharts === "object"`)
	for js, want := range map[string]any{
		`typeof window.Chart`: "undefined",
		`document.querySelectorAll("figure.wv-chart > table.wv-chart-data:not([data-chart-enhanced])").length`: float64(3),
		`document.querySelectorAll("canvas, details, .wv-chart-canvas").length`:                                float64(0),
		`window.__errors.join("; ")`: "",
	} {
		if got := eval(js); got != want {
			t.Errorf("without Chart.js: %s = %#v, want %#v", js, got, want)
		}
	}
	browser.NoCSPViolations(t, ctx)
}
