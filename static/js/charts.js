// Charts (Chart.js) of the campaign statistics and the home dashboard. Every chart is
// described by the server in a json_script element named by its canvas' data-chart
// attribute (docs/statistics.md, Charts): {type, labels, datasets: [{label, data,
// type?, yAxisID?}], integer?, horizontal?, rate_axis?, stacked?}. The labels come
// ready in the user's language and date format; the time axes have every day or
// week of their period, so the distance between two labels is always the same time.
(function () {
  if (!window.Chart) {
    return;
  }
  const style = getComputedStyle(document.documentElement);
  const named = (name, fallback) => style.getPropertyValue(`--bs-${name}`).trim() || fallback;
  const palette = [
    named("primary", "#0d6efd"),
    named("success", "#198754"),
    named("warning", "#ffc107"),
    named("danger", "#dc3545"),
    named("info", "#0dcaf0"),
    named("secondary", "#6c757d"),
  ];
  // Colours a chart may name per bar ("colors": ["danger", "success", …]).
  ["primary", "success", "warning", "danger", "info", "secondary"].forEach((name, i) => {
    palette[name] = palette[i];
  });
  const language = document.documentElement.lang || undefined;
  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function build(canvas, chart) {
    const horizontal = Boolean(chart.horizontal);
    const valueAxis = horizontal ? "x" : "y";
    const categoryAxis = horizontal ? "y" : "x";
    const round = chart.type === "doughnut" || chart.type === "pie";
    const many = (chart.labels || []).length > 12; // a time axis: some labels only
    const datasets = (chart.datasets || []).map((dataset, index) => {
      const color = dataset.color || palette[index % palette.length];
      const each = chart.colors_per_bar && !dataset.type;
      return {
        ...dataset,
        backgroundColor: dataset.colors
          ? dataset.colors.map((name) => palette[name] || name)
          : round || each
            ? chart.labels.map((_label, i) => palette[i % palette.length])
            : dataset.type === "line" ? color : color + "cc",
        borderColor: round ? "#fff" : dataset.colors ? "transparent" : color,
        borderWidth: dataset.type === "line" ? 2 : 1,
        pointRadius: dataset.type === "line" ? 0 : undefined,
        tension: 0.25,
        order: dataset.type === "line" ? 0 : 1,
      };
    });
    const scales = {};
    if (!round) {
      scales[valueAxis] = {
        beginAtZero: true,
        stacked: Boolean(chart.stacked),
        ticks: chart.integer ? { precision: 0 } : {},
      };
      scales[categoryAxis] = {
        stacked: Boolean(chart.stacked),
        ticks: many
          ? { autoSkip: true, maxRotation: 0, autoSkipPadding: 12 }
          : { autoSkip: false, maxRotation: 45 },
        grid: { display: horizontal },
      };
      if (chart.rate_axis) {
        scales.y1 = {
          position: "right",
          beginAtZero: true,
          suggestedMax: 100,
          grid: { drawOnChartArea: false },
          ticks: { callback: (value) => `${value} %` },
        };
      }
    }
    return new Chart(canvas, {
      type: chart.type || "bar",
      data: { labels: chart.labels, datasets },
      options: {
        locale: language,
        responsive: true,
        animation: still ? false : { duration: 300 },
        maintainAspectRatio: !canvas.closest(".chart-box"),
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: round || datasets.length > 1, position: "bottom" },
        },
        scales,
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const element = document.getElementById(canvas.dataset.chart);
    if (element) {
      build(canvas, JSON.parse(element.textContent));
    }
  });

  // The cost of the campaign's newest entries (statistics page).
  const cost = document.getElementById("cost-chart");
  const costData = document.getElementById("cost-data");
  if (cost && costData) {
    const rows = JSON.parse(costData.textContent);
    build(cost, {
      type: "bar",
      labels: rows.map((row) => `${row.entry} ${row.description}`),
      datasets: [{ label: cost.dataset.labelCost, data: rows.map((row) => row.cost) }],
    });
  }
})();
