// Campaign statistics charts (Chart.js); the data comes from json_script elements.
(function () {
  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : [];
  }
  const timeline = document.getElementById("timeline-chart");
  if (timeline && window.Chart) {
    const rows = data("timeline-data");
    new Chart(timeline, {
      type: "line",
      data: {
        labels: rows.map((row) => row.date),
        datasets: [
          { label: timeline.dataset.labelInteractions, data: rows.map((row) => row.interactions), tension: 0.2 },
          { label: timeline.dataset.labelResponses, data: rows.map((row) => row.responses), tension: 0.2 },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  const cost = document.getElementById("cost-chart");
  if (cost && window.Chart) {
    const rows = data("cost-data");
    new Chart(cost, {
      type: "bar",
      data: {
        labels: rows.map((row) => `${row.entry} ${row.description}`),
        datasets: [{ label: cost.dataset.labelCost, data: rows.map((row) => row.cost) }],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });
  }
  // Charts that other apps add (e.g. opportunities by status): one json_script each,
  // named by the canvas' data-chart attribute.
  if (window.Chart) {
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const element = document.getElementById(canvas.dataset.chart);
      if (!element) {
        return;
      }
      const chart = JSON.parse(element.textContent);
      const axes = chart.type === "doughnut" || chart.type === "pie"
        ? {}
        : { y: { beginAtZero: true, ticks: chart.integer ? { precision: 0 } : {} } };
      new Chart(canvas, {
        type: chart.type || "bar",
        data: { labels: chart.labels, datasets: chart.datasets },
        options: { scales: axes },
      });
    });
  }
})();
