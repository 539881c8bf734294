/* The revenue dashboard's charts: each card carries its figures as JSON (Django's json_script)
   next to the table they come from; Chart.js (vendored) draws them. No inline script. */
(function () {
  "use strict";
  if (!window.Chart) return;

  var style = getComputedStyle(document.documentElement);
  var ink = style.getPropertyValue("--ink").trim() || "#1f2a33";
  var palette = ["#2f6f8f", "#d08a2c", "#4f9a6b", "#a34f6d", "#6b6fb3", "#8a8f3a", "#c2603d", "#3d8f8a"];
  var language = document.documentElement.lang || "ka";
  var money = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var tick = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });

  function shortened(label) {
    return label.length > 28 ? label.slice(0, 27) + "…" : label;
  }

  function axis(showGrid, numeric) {
    var scale = { beginAtZero: true, grid: { display: showGrid } };
    scale.ticks = numeric
      ? { callback: function (value) { return tick.format(value); } }
      : { callback: function (value) { return shortened(this.getLabelForValue(value)); } };
    return scale;
  }

  Chart.defaults.font.family = '"Noto Sans Georgian", system-ui, sans-serif';
  Chart.defaults.color = ink;

  function datasets(figures) {
    var shares = figures.type === "doughnut";
    return figures.series.map(function (series, index) {
      return {
        label: series.label,
        data: series.data.map(Number),
        backgroundColor: shares ? palette : palette[index % palette.length],
        borderWidth: shares ? 1 : 0,
        borderRadius: shares ? 0 : 3
      };
    });
  }

  function draw(card) {
    var data = card.querySelector('script[type="application/json"]');
    var canvas = card.querySelector("canvas");
    if (!data || !canvas) return;
    var figures = JSON.parse(data.textContent);
    var nothing = figures.series.every(function (series) { return series.data.every(function (value) { return Number(value) === 0; }); });
    if (nothing) return;  // an empty chart says less than the table's zeros
    var horizontal = figures.type === "hbar";
    card.classList.add("charted");  // shows the chart's box, which stays hidden without script
    new Chart(canvas, {
      type: figures.type === "doughnut" ? "doughnut" : "bar",
      data: { labels: figures.labels, datasets: datasets(figures) },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: figures.series.length > 1 || figures.type === "doughnut", position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + money.format(item.raw);
              }
            }
          }
        },
        scales: figures.type === "doughnut" ? {} : {
          x: horizontal ? axis(true, true) : axis(false, false),
          y: horizontal ? axis(false, false) : axis(true, true)
        }
      }
    });
  }

  document.querySelectorAll(".revenue-table").forEach(draw);
})();
