// Anomalies page: draws each anomaly's small chart (last 30 days of actual cost against the expected band)
// as SVG from the data the server passes with json_script (no inline script or style: CSP).
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 320, H = 90, PAD = 4;

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function draw(figure, data) {
    var n = data.actual.length;
    if (!n) { return; }
    var top = Math.max.apply(null, data.actual.concat([data.high, data.expected])) || 1;
    function x(i) { return PAD + (W - 2 * PAD) * (n === 1 ? 0.5 : i / (n - 1)); }
    function y(v) { return H - PAD - (H - 2 * PAD) * Math.max(0, v) / top; }
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "class": "anomaly-svg" });
    var title = el("title", {});
    title.textContent = "Actual " + data.actual[n - 1].toFixed(2) + " " + data.currency + " on the last day; expected " +
      data.expected.toFixed(2) + " (" + data.low.toFixed(2) + " to " + data.high.toFixed(2) + ")";
    svg.appendChild(title);
    svg.appendChild(el("rect", { x: x(n - 1) - 6, y: y(data.high), width: 12,
      height: Math.max(1, y(data.low) - y(data.high)), "class": "anomaly-band" }));
    svg.appendChild(el("line", { x1: x(n - 1) - 8, x2: x(n - 1) + 8, y1: y(data.expected), y2: y(data.expected),
      "class": "anomaly-expected" }));
    var points = data.actual.map(function (v, i) { return x(i).toFixed(1) + "," + y(v).toFixed(1); }).join(" ");
    svg.appendChild(el("polyline", { points: points, "class": "anomaly-actual" }));
    svg.appendChild(el("circle", { cx: x(n - 1), cy: y(data.actual[n - 1]), r: 3, "class": "anomaly-point" }));
    figure.insertBefore(svg, figure.firstChild);
  }

  function init() {
    var source = document.getElementById("anomaly-charts");
    if (!source) { return; }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll("[data-anomaly-chart]").forEach(function (figure) {
      var data = charts[figure.getAttribute("data-anomaly-chart")];
      if (data) { draw(figure, data); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
