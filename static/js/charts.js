/* Pulse trend charts: one line chart per KPI, drawn with the vendored Chart.js from the JSON that
   the page embeds with json_script (#chart-data). No inline script: the page works without this file. */
(function () {
  "use strict";

  var COLOURS = ["#1849a9", "#b54708", "#0b6b2f", "#5b2c9a"];

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function duration(seconds) {
    var total = Math.round(Math.abs(seconds));
    var sign = seconds < 0 ? "−" : "";
    var d = Math.floor(total / 86400), h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60), s = total % 60;
    if (d) { return sign + d + " d " + h + " h"; }
    if (h) { return sign + h + " h " + m + " min"; }
    if (m) { return sign + m + " min " + s + " s"; }
    return sign + s + " s";
  }

  function formatter(chart) {
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      if (chart.unit === "percent") { return value.toFixed(1) + " %"; }
      if (chart.unit === "seconds") { return duration(value); }
      if (chart.code === "nps") { return (value > 0 ? "+" : "") + Math.round(value); }
      if (chart.unit === "count") { return String(Math.round(value)); }
      return value.toFixed(chart.decimals);
    };
  }

  function shortDate(iso) {
    var parts = iso.split("-");
    return pad(Number(parts[2])) + "/" + parts[1];
  }

  function draw(figure, chart, labels) {
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
    var datasets = chart.datasets.map(function (set, index) {
      return {
        label: set.label,
        data: set.data,
        borderColor: COLOURS[index % COLOURS.length],
        backgroundColor: COLOURS[index % COLOURS.length],
        borderWidth: 2,
        pointRadius: labels.length > 45 ? 0 : 2,
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
        pointRadius: 0
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels.map(shortDate), datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 8, autoSkip: true } },
          y: { ticks: { callback: format }, beginAtZero: chart.unit === "count" }
        },
        plugins: {
          legend: { display: datasets.length > 1, labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + format(item.parsed.y); }
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
      if (chart) { draw(figure, chart, data.labels); }
    });
    document.documentElement.classList.add("charts-ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
