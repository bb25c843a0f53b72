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
  // A letter with a combining circumflex (U+0302, "β̂") is drawn as the letter with a hat set
  // over it: most fonts have no Greek letter with a hat, and the browser takes the combining
  // mark from another font, which places it beside the letter ("β ̂"). In HTML the mark stays
  // in the text, visually hidden, so that copied text and screen readers still have it.
  const HAT = "\u0302";

  function appendText(node, part) {
    part.split(new RegExp("(.\u0302)", "u")).forEach((piece) => {
      if (!piece) return;
      if (piece.length === 2 && piece[1] === HAT) {
        if (node.namespaceURI === SVGNS) {
          node.appendChild(document.createTextNode(piece[0]));
          // a spacing circumflex moved back over the letter and up
          const hat = el("tspan", { class: "pp-hat", dx: "-0.5em", dy: "-0.2em" });
          hat.textContent = "\u02C6";
          node.appendChild(hat);
          const back = el("tspan", { dx: "0.17em", dy: "0.2em" });
          back.textContent = "\u200B";
          node.appendChild(back);
        } else {
          const span = document.createElement("span");
          span.className = "pp-hat";
          span.textContent = piece[0];
          const mark = document.createElement("span");
          mark.className = "pp-hat__mark";
          mark.textContent = HAT;
          span.appendChild(mark);
          node.appendChild(span);
        }
      } else {
        node.appendChild(document.createTextNode(piece));
      }
    });
  }

  function rich(node, text) {
    node.replaceChildren();
    text.split(/(_\{[^}]*\})/).forEach((part) => {
      const m = part.match(/^_\{([^}]*)\}$/);
      if (m) {
        const sub = node.namespaceURI === SVGNS
          ? el("tspan", { "baseline-shift": "sub", "font-size": "75%" })
          : document.createElement("sub");
        appendText(sub, m[1]);
        node.appendChild(sub);
      } else if (part) {
        appendText(node, part);
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

  // Ticks of a log10 axis from 10^lo to 10^hi: 1, 2 and 5 times the powers of ten, or 1 alone
  // when `sparse` (a narrow chart, a phone, where their labels would run into each other).
  function logTicks(lo, hi, sparse) {
    const out = [];
    const ms = sparse ? [1] : [1, 2, 5];
    for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) {
      ms.forEach((m) => {
        const v = m * 10 ** e;
        const l = Math.log10(v);
        if (l >= lo - 1e-9 && l <= hi + 1e-9) out.push(v);
      });
    }
    return out;
  }

  window.ppSvg = { SVGNS, el, rich, niceTicks, logTicks, minus, fmt, definitionList };
})();
