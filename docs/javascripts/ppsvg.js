/* Helpers shared by the explorer (explorer.js, slopes.js) and the in-browser fit (fit.js):
   SVG elements, labels with subscripts, axis ticks, number formatting and readout lists.
   Loaded before them. */
(function () {
  "use strict";

  const SVGNS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVGNS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  // Text with subscripts: "σ_{α}" becomes σ<sub>α</sub> (a <tspan> in SVG). Only for strings
  // written by the scripts, never for names from the data (which may contain underscores).
  function rich(node, text) {
    node.replaceChildren();
    text.split(/(_\{[^}]*\})/).forEach((part) => {
      const m = part.match(/^_\{([^}]*)\}$/);
      if (m) {
        const sub = node.namespaceURI === SVGNS
          ? el("tspan", { "baseline-shift": "sub", "font-size": "75%" })
          : document.createElement("sub");
        sub.textContent = m[1];
        node.appendChild(sub);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
    return node;
  }

  // At most about `count` round ticks (steps of 1, 2, 2.5 or 5 times a power of ten).
  function niceTicks(lo, hi, count) {
    const span = hi - lo;
    const mag = 10 ** Math.floor(Math.log10(span / count));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || mag * 10;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) {
      ticks.push(Math.abs(t) < 1e-12 * span ? 0 : t);
    }
    return ticks;
  }

  // Numbers as the pages show them: `digits` significant digits, exponent notation outside
  // [1e-3, upper), a true minus sign.
  const minus = (s) => s.replace(/^-/, "\u2212");
  function fmt(x, digits, upper) {
    if (!isFinite(x)) return String(x);
    if (x === 0) return "0";
    const d = digits || 4;
    const a = Math.abs(x);
    return minus(a >= 1e-3 && a < (upper || 1e5) ? x.toPrecision(d) : x.toExponential(d - 1));
  }

  // A <dl> of [label, value] rows: labels may carry subscripts (see `rich`), values are text.
  function definitionList(rows) {
    const dl = document.createElement("dl");
    rows.forEach(([k, v]) => {
      const dt = document.createElement("dt");
      rich(dt, k);
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    });
    return dl;
  }

  window.ppSvg = { SVGNS, el, rich, niceTicks, minus, fmt, definitionList };
})();
