// The reports dashboard: draws each section's figures with ECharts (tooltips drawn on the canvas: the page's CSP
// refuses the inline styles of HTML tooltips) (the table beside it holds the same figures, for
// print and screen readers), sends a click on a bar, a slice or a cell to the complaints behind it, shows only the
// period chooser's fields that apply, and offers printing.
(function () {
  const words = document.getElementById("report-words");
  const periodNames = words ? [words.dataset.current, words.dataset.previous, words.dataset.lastYear] : [];
  const PERIODS = ["current", "previous", "last_year"];
  const COLOURS = ["#1f6feb", "#8c959f", "#d4a72c"];
  const charts = [];

  function percent(unit) {
    return unit === "share";
  }

  function value(v, unit) {
    if (v === null || v === undefined) return null;
    return percent(unit) ? Math.round(v * 1000) / 10 : v;
  }

  function bar(data) {
    return {
      color: COLOURS,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: periodNames, top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: percent(data.unit) ? "{value}%" : "{value}" } },
      series: PERIODS.map((period, i) => ({
        name: periodNames[i], type: "bar", data: data.series[period].map((v) => value(v, data.unit)),
      })),
    };
  }

  function pie(data) {
    return {
      color: ["#1f6feb", "#2da44e", "#d4a72c", "#cf222e", "#8250df", "#57606a", "#bf3989", "#0a7f7f"],
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        name: periodNames[0], type: "pie", radius: ["30%", "65%"], top: 0, bottom: 32,
        data: data.labels.map((label, i) => ({ name: label, value: data.series.current[i] || 0 })),
      }],
    };
  }

  // The hour of day or the weekday as a heat map: one row per period, the colour by count.
  function heatmap(data) {
    const cells = [];
    let top = 0;
    PERIODS.forEach((period, row) => data.series[period].forEach((v, col) => {
      cells.push([col, row, v || 0]);
      top = Math.max(top, v || 0);
    }));
    return {
      tooltip: { position: "top", renderMode: "richText" },
      grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: data.labels, splitArea: { show: true },
        axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 45 : 0 } },
      yAxis: { type: "category", data: periodNames, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(top, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#f6f8fa", "#9ecbff", "#1f6feb", "#0a3069"] } },
      series: [{ type: "heatmap", data: cells, label: { show: data.labels.length <= 12 } }],
    };
  }

  // Weekday × hour of day: this period's received complaints, the colour by count.
  function grid(data) {
    const cells = [];
    let top = 0;
    data.cells.forEach((row, day) => row.forEach((n, hour) => {
      cells.push([hour, day, n]);
      top = Math.max(top, n);
    }));
    return {
      tooltip: { position: "top", renderMode: "richText" },
      grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: data.labels.map((label) => label.slice(0, 2)), splitArea: { show: true } },
      yAxis: { type: "category", data: data.rows, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(top, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#f6f8fa", "#9ecbff", "#1f6feb", "#0a3069"] } },
      series: [{ type: "heatmap", data: cells, label: { show: true } }],
    };
  }

  const draw = { bar, pie, heatmap, grid };

  for (const box of document.querySelectorAll(".chart[data-chart]")) {
    if (!window.echarts) break;
    const data = JSON.parse(box.dataset.chart);
    const chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption((draw[data.kind] || bar)(data));
    // Only this period's figures have a list of complaints behind them (the links of the table's first column).
    if (data.links) chart.on("click", (params) => {
      const current = data.kind === "heatmap" ? params.value && params.value[1] === 0 : params.seriesIndex === 0;
      const index = data.kind === "heatmap" ? params.value[0] : params.dataIndex;
      const link = current && data.links[index];
      if (link) window.location.assign(link);
    });
    box.dataset.drawn = "true";
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  window.addEventListener("beforeprint", () => charts.forEach((chart) => chart.resize({ width: 680 })));
  window.addEventListener("afterprint", () => charts.forEach((chart) => chart.resize()));

  const period = document.getElementById("r-period");
  if (period) {
    const show = () => {
      for (const field of document.querySelectorAll("[data-period]")) {
        const on = field.dataset.period === period.value;
        field.hidden = !on;
        for (const input of field.querySelectorAll("input")) input.disabled = !on;
      }
    };
    period.addEventListener("change", show);
    show();
  }
  const print = document.getElementById("report-print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", () => window.print());
  }
})();
