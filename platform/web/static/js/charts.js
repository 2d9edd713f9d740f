// Charts from data tables (progressive enhancement). Without JavaScript, or
// without Chart.js, the page shows the table; with both, a chart above it and
// the table in a collapsed <details>, so the numbers stay readable.
//
// A page adds, in its {{define "scripts"}} block (deferred scripts run in
// document order, so Chart.js comes first; {{asset}} fingerprints the URLs):
//
//   <script src="{{asset "vendor/chartjs/chart.umd.min.js"}}" defer></script>
//   <script src="{{asset "js/charts.js"}}" defer></script>
//
// and emits, per chart:
//
//   <figure class="wv-chart" id="chart-revenue" data-table-label="표로 보기">
//     <table class="table table-sm wv-chart-data" data-chart="line" data-chart-format="krw">
//       <caption>매출과 환불 (원)</caption>
//       <thead><tr><th scope="col">날짜</th><th scope="col">매출</th><th scope="col">환불</th></tr></thead>
//       <tbody>
//         <tr><th scope="row" data-label="12-01">2026-12-01</th><td data-value="50000">50,000</td><td data-value="0">0</td></tr>
//       </tbody>
//     </table>
//   </figure>
//
// Table attributes:
//   data-chart          line | bar (vertical bars) | hbar (horizontal bars, e.g. per-course rankings)
//   data-chart-stacked  "true": stack the series (a stacked line fills the areas)
//   data-chart-format   number (default) | krw ("50,000원") | percent (0–100, "42%") |
//                       hours (data-value in seconds, shown in hours with one decimal) |
//                       minutes (data-value in seconds, shown in minutes)
// Labels: each body row's header cell (data-label if present, else its text).
// Series: one per value column; its name is the column header's text, its
// colour the header's optional data-chart-color (a CSS colour or a custom
// property such as "--bs-danger"), else the Bootstrap colours in turn.
// Values: each cell's data-value, else its text read as a number ("1,234원"
// → 1234); an empty or unreadable cell is a gap.
// figure[data-table-label]: the <summary> of the table ("표로 보기" if absent).
//
// The chart's title is the table's caption only for assistive technology
// (the canvas' aria-label): once the table is folded its caption is hidden,
// so a chart that needs a visible title gets a heading or <figcaption> from
// the page. A table whose tbody has no row with a value cell (empty, or
// only a one-cell "no data" row) is left as it is (the page shows its empty
// message). Sizes come from app.css (.wv-chart-canvas); nothing here
// writes a style attribute, only element.style, which the CSP allows.
(() => {
  "use strict";

  const FALLBACK_SUMMARY = "표로 보기";
  const THEME = ["--bs-primary", "--bs-danger", "--bs-success", "--bs-warning", "--bs-info", "--bs-secondary"];
  const PALETTE = ["#7c3aed", "#db2777", "#0d9488", "#ea580c", "#475569", "#65a30d", "#0891b2", "#a16207"];

  const lang = () => document.documentElement.lang || "ko";
  const isKorean = () => /^ko\b/i.test(lang());

  // nf builds an Intl.NumberFormat for the page's language, falling back to
  // Korean for an unknown tag and to plain options for an unsupported unit.
  function nf(opts, plain) {
    for (const tag of [lang(), "ko"]) {
      try {
        return new Intl.NumberFormat(tag, opts);
      } catch (e) {
        /* try the next */
      }
    }
    return new Intl.NumberFormat("ko", plain || {});
  }

  // formatter returns {value, tick}: the tooltip's text of a number and the
  // (shorter) text of an axis tick.
  function formatter(kind) {
    const whole = nf({ maximumFractionDigits: 2 });
    const compact = nf({ notation: "compact", maximumFractionDigits: 1 });
    const big = (v) => Math.abs(v) >= 100000;
    switch (kind) {
      case "krw": {
        if (isKorean()) {
          const won = nf({ maximumFractionDigits: 0 });
          return { value: (v) => won.format(v) + "원", tick: (v) => (big(v) ? compact : won).format(v) + "원" };
        }
        const cur = nf({ style: "currency", currency: "KRW", currencyDisplay: "narrowSymbol" }, {});
        const curShort = nf({ style: "currency", currency: "KRW", currencyDisplay: "narrowSymbol", notation: "compact", maximumFractionDigits: 1 }, {});
        return { value: (v) => cur.format(v), tick: (v) => (big(v) ? curShort : cur).format(v) };
      }
      case "percent": {
        const pct = nf({ maximumFractionDigits: 1 });
        const f = (v) => pct.format(v) + "%";
        return { value: f, tick: f };
      }
      case "hours": {
        const opts = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
        const h = nf(Object.assign({ style: "unit", unit: "hour", unitDisplay: "short" }, opts), opts);
        const f = (v) => h.format(v);
        return { value: f, tick: f, unit: 3600 };
      }
      case "minutes": {
        const opts = { maximumFractionDigits: 1 };
        const m = nf(Object.assign({ style: "unit", unit: "minute", unitDisplay: "short" }, opts), opts);
        const f = (v) => m.format(v);
        return { value: f, tick: f, unit: 60 };
      }
      default:
        return { value: (v) => whole.format(v), tick: (v) => (big(v) ? compact : whole).format(v) };
    }
  }

  // number reads a cell: data-value, else its text without separators or units.
  function number(cell) {
    if (!cell) return null;
    let raw = cell.dataset.value;
    if (raw === undefined) raw = cell.textContent.replace(/[^0-9.eE+-]/g, "");
    if (raw.trim() === "") return null;
    const v = Number(raw);
    return Number.isFinite(v) ? v : null;
  }

  // read turns the table into labels and series, or null when it has no rows.
  function read(table) {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    const rows = [];
    for (const body of table.tBodies) {
      for (const tr of body.rows) if (tr.cells.length > 1) rows.push(tr);
    }
    if (!rows.length) return null;
    const columns = Math.max(...rows.map((tr) => tr.cells.length)) - 1;
    const series = [];
    for (let c = 1; c <= columns; c++) {
      const th = head && head.cells[c];
      series.push({
        name: th ? th.textContent.trim() : "",
        color: th ? th.dataset.chartColor || "" : "",
        values: rows.map((tr) => number(tr.cells[c])),
      });
    }
    const labels = rows.map((tr) => {
      const cell = tr.cells[0];
      return cell.dataset.label !== undefined ? cell.dataset.label : cell.textContent.trim();
    });
    return { labels, series };
  }

  // colors resolves the theme's custom properties (e.g. the brand blue of
  // --bs-primary) and appends the fixed palette.
  function colors() {
    const css = getComputedStyle(document.documentElement);
    const out = [];
    for (const name of THEME) {
      const v = css.getPropertyValue(name).trim();
      if (v && !out.includes(v)) out.push(v);
    }
    return out.concat(PALETTE);
  }

  function resolve(color) {
    if (!color.startsWith("--")) return color;
    return getComputedStyle(document.documentElement).getPropertyValue(color).trim();
  }

  // alpha gives a translucent version of a #rgb/#rrggbb/rgb() colour (for
  // the areas under lines); other notations are returned as they are.
  function alpha(color, a) {
    let m = /^#([0-9a-f]{3})$/i.exec(color);
    if (m) color = "#" + m[1].split("").map((x) => x + x).join("");
    m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
    if (m) return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${a})`;
    m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color);
    if (m) return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${a})`;
    return color;
  }

  function truncate(s, n) {
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }

  function enhanceTable(table) {
    const Chart = window.Chart;
    if (!Chart || table.hasAttribute("data-chart-enhanced") || table.closest("details.wv-chart-table")) return;
    const data = read(table);
    if (!data) return; // empty: the page's empty message stays

    const kind = (table.dataset.chart || "bar").toLowerCase();
    const horizontal = kind === "hbar";
    const type = kind === "line" ? "line" : "bar";
    const stacked = table.dataset.chartStacked === "true";
    const format = (table.dataset.chartFormat || "number").toLowerCase();
    const fmt = formatter(format);
    const caption = table.caption ? table.caption.textContent.trim() : "";
    const figure = table.closest(".wv-chart");
    const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    const css = getComputedStyle(document.documentElement);
    const muted = css.getPropertyValue("--bs-secondary-color").trim() || "#5b6472";
    const grid = css.getPropertyValue("--bs-border-color").trim() || "#e4e8f0";
    const palette = colors();
    const datasets = data.series.map((s, i) => {
      const color = (s.color && resolve(s.color)) || palette[i % palette.length];
      // Seconds are charted in the unit shown (minutes, hours), so the
      // axis steps are whole units rather than fractions of one.
      const values = fmt.unit ? s.values.map((v) => (v == null ? null : v / fmt.unit)) : s.values;
      const set = { label: s.name, data: values, borderColor: color, backgroundColor: color };
      if (type === "line") {
        Object.assign(set, {
          backgroundColor: alpha(color, stacked ? 0.35 : 0.12),
          fill: stacked ? (i === 0 ? "origin" : "-1") : false,
          borderWidth: 2,
          cubicInterpolationMode: "monotone", // smooth, never past the data
          pointRadius: data.labels.length > 31 ? 0 : 2,
          pointHoverRadius: 4,
        });
      } else {
        Object.assign(set, { borderRadius: 4, maxBarThickness: 40 });
      }
      return set;
    });

    // The block that holds the table (the table itself, or e.g. a
    // .table-responsive wrapper of it) is where the chart goes.
    let block = table;
    while (figure && block.parentElement && block.parentElement !== figure) block = block.parentElement;

    const wrap = document.createElement("div");
    wrap.className = "wv-chart-canvas" + (horizontal ? " wv-chart-canvas-hbar" : "");
    if (horizontal) {
      // One band per label (of one bar per series unless stacked).
      const bars = stacked ? 1 : datasets.length;
      wrap.style.height = Math.max(160, data.labels.length * (14 + 16 * bars) + 56) + "px";
    }
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", caption);
    canvas.textContent = caption;
    wrap.appendChild(canvas);
    block.before(wrap);

    const details = document.createElement("details");
    details.className = "wv-chart-table";
    const summary = document.createElement("summary");
    summary.textContent = (figure && figure.dataset.tableLabel) || table.dataset.tableLabel || FALLBACK_SUMMARY;
    details.appendChild(summary);
    block.before(details);
    details.appendChild(block);
    table.setAttribute("data-chart-enhanced", "");

    const valueAxis = horizontal ? "x" : "y";
    const labelAxis = horizontal ? "y" : "x";
    const scales = {
      [valueAxis]: {
        beginAtZero: true,
        stacked,
        // An empty series still gets a readable axis (0, 1, 2… not 0, 0.1…).
        suggestedMax: format === "percent" ? 100 : 1,
        grid: { color: grid },
        border: { display: false },
        // Counts, won and minutes are whole; percent and hours have one decimal.
        ticks: { color: muted, precision: format === "percent" || format === "hours" ? 1 : 0,
          callback: (v) => fmt.tick(v) },
      },
      [labelAxis]: {
        stacked,
        grid: { display: false },
        ticks: {
          color: muted,
          // Long course titles are shortened on the axis; the tooltip has them whole.
          callback(v) {
            const label = this.getLabelForValue(v);
            return typeof label === "string" ? truncate(label, horizontal ? 18 : 12) : label;
          },
        },
      },
    };

    const font = getComputedStyle(document.body).fontFamily;
    if (font) Chart.defaults.font.family = font;

    try {
      new Chart(canvas, {
        type,
        data: { labels: data.labels, datasets },
        options: {
          indexAxis: horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: reduce ? false : { duration: 400 },
          interaction: { mode: "index", intersect: false },
          scales,
          plugins: {
            legend: { display: datasets.length > 1, labels: { color: muted, boxWidth: 12 } },
            tooltip: {
              callbacks: {
                label(ctx) {
                  const v = ctx.parsed[valueAxis];
                  const text = v === null || v === undefined ? "–" : fmt.value(v);
                  return ctx.dataset.label ? `${ctx.dataset.label}: ${text}` : text;
                },
              },
            },
          },
        },
      });
    } catch (e) {
      // The chart failed: put the table back as it was.
      wrap.remove();
      details.replaceWith(block);
      table.removeAttribute("data-chart-enhanced");
      if (window.console) console.error("charts.js:", e);
    }
  }

  // enhance turns every chart table under root that is not done yet.
  function enhance(root) {
    if (!window.Chart) return;
    (root || document).querySelectorAll("table.wv-chart-data[data-chart]").forEach(enhanceTable);
  }

  window.WeaverseCharts = { enhance };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => enhance(document));
  } else {
    enhance(document);
  }
})();
