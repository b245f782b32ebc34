/* Pulse trend charts: one line chart per KPI, drawn with the vendored Chart.js (4.5) from the JSON that
   the page embeds with json_script (#chart-data; see kpis.views._chart_data). A point is a day, a week
   (Monday to Sunday) or a calendar month, cut to the period at its ends; a point from fewer than
   `min_sample` records is drawn hollow on a dotted segment. No inline script: the page works without
   this file. */
(function () {
  "use strict";

  var COLOURS = ["#1849a9", "#b54708", "#0b6b2f", "#5b2c9a"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var LOW_DASH = [2, 3];

  // Axis ticks in the KPI's unit, as kpis/formatting.py writes values; a point's own value arrives
  // already written by it (`text`), so a tooltip reads exactly like the tables.
  function duration(seconds) {
    var total = Math.round(Math.abs(seconds));
    var sign = seconds < 0 && total ? "−" : "";
    var parts;
    if (total < 3600) {
      parts = total >= 60 ? [[Math.floor(total / 60), "min"], [total % 60, "s"]] : [[total, "s"]];
    } else if (Math.round(total / 60) <= 1440) {
      var minutes = Math.round(total / 60);
      parts = [[Math.floor(minutes / 60), "h"], [minutes % 60, "min"]];
    } else {
      var hours = Math.round(total / 3600);
      parts = [[Math.floor(hours / 24), "d"], [hours % 24, "h"]];
    }
    while (parts.length > 1 && parts[parts.length - 1][0] === 0) { parts.pop(); }
    return sign + parts.map(function (part) { return part[0] + " " + part[1]; }).join(" ");
  }

  function formatter(chart) {
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      var sign = value < 0 ? "−" : "";
      if (chart.unit === "percent") { return sign + Math.abs(value).toFixed(chart.decimals) + " %"; }
      if (chart.unit === "seconds") { return duration(value); }
      if (chart.unit === "count") { return sign + Math.abs(Math.round(value)).toLocaleString("en-GB"); }
      if (chart.scale_min !== null && chart.scale_min < 0 && value > 0) { sign = "+"; }
      return sign + Math.abs(value).toFixed(chart.decimals);
    };
  }

  // ---- dates: ISO in the JSON, words here; the year appears where the range spans years ----

  function parse(iso) {
    var parts = iso.split("-");
    return { year: Number(parts[0]), month: Number(parts[1]) - 1, day: Number(parts[2]) };
  }

  function lastDayOfMonth(date) {
    return new Date(Date.UTC(date.year, date.month + 1, 0)).getUTCDate();
  }

  function dayText(date, withYear) {
    return date.day + " " + MONTHS[date.month] + (withYear ? " " + date.year : "");
  }

  function rangeText(from, to, withYear) {
    if (from.year === to.year && from.month === to.month && from.day === to.day) {
      return dayText(from, withYear);
    }
    if (from.year === to.year && from.month === to.month) {
      return from.day + "–" + dayText(to, withYear);
    }
    if (from.year === to.year) {
      return dayText(from, false) + " – " + dayText(to, withYear);
    }
    return dayText(from, true) + " – " + dayText(to, true);
  }

  function isWholeMonth(from, to) {
    return from.day === 1 && from.year === to.year && from.month === to.month && to.day === lastDayOfMonth(to);
  }

  // The x-axis label of point i: its first day (a partial week starts on its real first day);
  // a whole month by its name, a partial one by its dates.
  function axisLabel(grain, from, to, withYear) {
    if (grain === "month") {
      if (isWholeMonth(from, to)) { return MONTHS[from.month] + (withYear ? " " + from.year : ""); }
      return rangeText(from, to, withYear);
    }
    return dayText(from, withYear);
  }

  function tooltipTitle(grain, from, to) {
    if (grain === "month" && isWholeMonth(from, to)) { return MONTHS[from.month] + " " + from.year; }
    var text = rangeText(from, to, true);
    if (grain === "week" && rangeDays(from, to) !== 7) {
      text += " (part of a week)";
    }
    if (grain === "month" && !isWholeMonth(from, to)) { text += " (part of a month)"; }
    return text;
  }

  function rangeDays(from, to) {
    var start = Date.UTC(from.year, from.month, from.day), end = Date.UTC(to.year, to.month, to.day);
    return Math.round((end - start) / 86400000) + 1;
  }

  // ---- y-axis: ticks at round values of the KPI's unit; a single value gets a real axis, not ±1 around it ----

  // Durations tick at steps a person counts in (30 s, 2 min, 15 min, 1 h, 6 h, 1 d…), never at Chart.js's
  // decimal steps of seconds ("1 min 40 s", "3 min 20 s").
  var DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172800, 604800];
  var MAX_TICK_STEPS = 5;

  function durationStep(top) {
    for (var i = 0; i < DURATION_STEPS.length; i++) {
      if (top / DURATION_STEPS[i] <= MAX_TICK_STEPS) { return DURATION_STEPS[i]; }
    }
    return Math.ceil(top / MAX_TICK_STEPS / 604800) * 604800;
  }

  // A percent or score tick with the decimals its step needs: "60 %", "72.5 %", "4.5" — not "60.0 %", "4.00".
  function tickFormatter(chart, format) {
    if (chart.unit === "seconds" || chart.unit === "count") { return format; }
    return function (value, index, ticks) {
      var step = ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : 1;
      var decimals = 0;
      while (decimals < 3 && Math.abs(step * Math.pow(10, decimals) - Math.round(step * Math.pow(10, decimals))) > 1e-6) {
        decimals += 1;
      }
      var text = Math.abs(value).toFixed(decimals);
      var sign = value < 0 && Number(text) !== 0 ? "−" : "";
      if (chart.scale_min !== null && chart.scale_min < 0 && value > 0) { sign = "+"; }
      return sign + text + (chart.unit === "percent" ? " %" : "");
    };
  }

  function yScale(chart, format) {
    var values = [];
    chart.datasets.forEach(function (set) {
      set.data.forEach(function (value) { if (value !== null) { values.push(value); } });
    });
    var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    var ratio = chart.unit === "count" || chart.unit === "seconds";
    var scale = { beginAtZero: ratio, ticks: { callback: tickFormatter(chart, format) } };
    if (ratio) { scale.ticks.precision = 0; }
    if (min === max) {
      if (ratio) {
        scale.suggestedMax = max > 0 ? max * 1.25 : 1;
        if (chart.unit === "count") { scale.ticks.stepSize = Math.max(1, Math.ceil(scale.suggestedMax / 5)); }
      } else {
        // A percent or score on its own is shown on the KPI's whole scale.
        if (chart.scale_min !== null) { scale.suggestedMin = chart.scale_min; }
        if (chart.scale_max !== null) { scale.suggestedMax = chart.scale_max; }
      }
    }
    if (chart.unit === "seconds") {
      // The axis reaches the highest point, the target line and a single value's headroom, in whole steps.
      var top = Math.max(max, scale.suggestedMax || 0, chart.target || 0, 1);
      scale.ticks.stepSize = durationStep(top);
    }
    return scale;
  }

  function draw(figure, chart, data) {
    var canvas = figure.querySelector("canvas");
    if (!canvas) { return; }
    var hasData = chart.datasets.some(function (set) {
      return set.data.some(function (value) { return value !== null; });
    });
    if (!hasData) {
      var note = document.createElement("p");
      note.className = "chart-empty";
      note.textContent = "No data in this period.";
      canvas.parentNode.replaceWith(note);
      return;
    }
    var format = formatter(chart);
    var froms = data.labels.map(parse), tos = data.ends.map(parse);
    var spansYears = froms[0].year !== tos[tos.length - 1].year;
    var labels = froms.map(function (from, i) { return axisLabel(data.grain, from, tos[i], spansYears); });
    var single = labels.length === 1;
    var datasets = chart.datasets.map(function (set, index) {
      var colour = COLOURS[index % COLOURS.length];
      var low = set.low_confidence;
      return {
        label: set.label,
        data: set.data,
        n: set.n,
        text: set.text,
        lowConfidence: low,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 2,
        pointRadius: function (ctx) { return low[ctx.dataIndex] ? 4 : 3; },
        pointHoverRadius: 5,
        pointBorderWidth: 2,
        pointBorderColor: colour,
        pointBackgroundColor: function (ctx) { return low[ctx.dataIndex] ? "#ffffff" : colour; },
        segment: {
          borderDash: function (ctx) { return low[ctx.p0DataIndex] || low[ctx.p1DataIndex] ? LOW_DASH : undefined; }
        },
        spanGaps: false,
        tension: 0.2
      };
    });
    if (chart.target !== null && chart.target !== undefined) {
      datasets.push({
        label: "Target",
        data: labels.map(function () { return chart.target; }),
        borderColor: "#a4161a",
        backgroundColor: "#a4161a",
        borderDash: [6, 4],
        borderWidth: 1.5,
        // With a single point there is no line to draw: a short dash marks the target instead.
        pointStyle: "line",
        pointRadius: single ? 14 : 0,
        pointHoverRadius: single ? 14 : 0
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 8, autoSkip: true, maxRotation: 0 } },
          y: yScale(chart, format)
        },
        plugins: {
          legend: { display: datasets.length > 1, labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: function (items) {
                var i = items[0].dataIndex;
                return tooltipTitle(data.grain, froms[i], tos[i]);
              },
              label: function (item) {
                var set = item.dataset, i = item.dataIndex;
                if (!set.n) { return set.label + ": " + format(item.parsed.y); }
                var text = set.label + ": " + set.text[i];
                // A count is its own sample size: "Owls: 12 tickets".
                if (chart.unit === "count") { return text; }
                text += " (n = " + set.n[i] + " " + chart.records;
                return text + (set.lowConfidence[i] ? "; low confidence, fewer than " + data.min_sample + ")" : ")");
              }
            }
          }
        }
      }
    });
  }

  function init() {
    var source = document.getElementById("chart-data");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var byCode = {};
    data.charts.forEach(function (chart) { byCode[chart.code] = chart; });
    document.querySelectorAll("figure.chart[data-kpi]").forEach(function (figure) {
      var chart = byCode[figure.getAttribute("data-kpi")];
      if (chart) { draw(figure, chart, data); }
    });
    document.documentElement.classList.add("charts-ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
