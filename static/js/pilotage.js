// The dashboard's charts: Chart.js (static/js/vendor/chart.umd.js, served locally) draws the
// figures that the page ships as JSON (json_script "pilotage-charts"). Each chart has its table
// beside it, so the page says everything without this script.
(function () {
  "use strict";
  var COLOURS = ["#1f4e9c", "#e07b00", "#2e7d4a", "#a11d1d", "#6b4aa8", "#00838f", "#8a6d00"];
  var number = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
  var money = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

  function format(value, unit) {
    if (value === null || value === undefined) return "—";
    if (unit === "€") return money.format(value);
    if (unit === "%") return number.format(value) + " %";
    if (unit === "j") return number.format(value) + " j";
    return number.format(value);
  }

  function draw(canvas, spec) {
    var round = spec.type === "doughnut";
    var datasets = spec.datasets.map(function (set, index) {
      return {
        label: set.label,
        data: set.data,
        backgroundColor: round ? COLOURS : COLOURS[index % COLOURS.length],
        borderColor: round ? "#fff" : COLOURS[index % COLOURS.length],
        fill: false,
        tension: 0.2,
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: round || datasets.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (item) {
              return item.dataset.label + " : " + format(item.raw, spec.unit);
            },
          },
        },
      },
    };
    if (!round) {
      options.scales = {
        y: {
          beginAtZero: true,
          suggestedMax: spec.unit === "%" ? 100 : undefined,
          ticks: { callback: function (value) { return format(value, spec.unit); } },
        },
      };
    }
    canvas.chart = new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: options,
    });
  }

  function init() {
    var source = document.getElementById("pilotage-charts");
    if (!source || !window.Chart) return;
    JSON.parse(source.textContent).forEach(function (spec) {
      var canvas = document.querySelector('canvas[data-chart="' + spec.key + '"]');
      if (canvas) draw(canvas, spec);
    });
    document.documentElement.setAttribute("data-charts-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
