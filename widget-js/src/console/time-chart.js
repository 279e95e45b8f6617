// A small chart over time in plain SVG: stacked bars or lines, one point per bucket. Built with
// createElementNS and textContent only; no library, no HTML parsing.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

/** Draws `series` into an element: `{labels: [...], sets: [{name, color, values: [...]}]}`. */
export class TimeChart {
  #host;
  #kind;
  #unit;

  /** `kind` is `bars` (stacked) or `lines`; `unit` is appended to axis values (e.g. ' s'). */
  constructor(host, { kind = 'bars', unit = '', title = '' } = {}) {
    if (!host) throw new TypeError('TimeChart: host element required');
    if (kind !== 'bars' && kind !== 'lines') throw new TypeError(`TimeChart: kind must be bars or lines, was ${kind}`);
    this.#host = host;
    this.#kind = kind;
    this.#unit = unit;
    host.setAttribute('role', 'img');
    if (title) host.setAttribute('aria-label', title);
  }

  render({ labels, sets }) {
    const doc = this.#host.ownerDocument;
    const svg = doc.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute('class', 'chart');
    const n = labels.length;
    const totals = labels.map((_, i) => (this.#kind === 'bars'
      ? sets.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)
      : Math.max(0, ...sets.map((s) => s.values[i] ?? 0))));
    const max = niceMax(Math.max(1, ...totals));
    const plotW = WIDTH - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const x = (i) => PAD.left + (n <= 1 ? plotW / 2 : (i * plotW) / n);
    const y = (v) => PAD.top + plotH - (v / max) * plotH;
    const step = n === 0 ? plotW : plotW / n;

    for (let k = 0; k <= 4; k++) {
      const value = (max * k) / 4;
      const line = el(doc, 'line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'grid' });
      svg.append(line, text(doc, `${round(value)}${this.#unit}`, { x: PAD.left - 6, y: y(value) + 4, class: 'axis', 'text-anchor': 'end' }));
    }
    const every = Math.max(1, Math.ceil(n / 8));
    labels.forEach((label, i) => {
      if (i % every === 0) {
        svg.append(text(doc, label, { x: x(i) + step / 2, y: HEIGHT - 8, class: 'axis', 'text-anchor': 'middle' }));
      }
    });
    if (this.#kind === 'bars') {
      labels.forEach((label, i) => {
        let base = 0;
        for (const set of sets) {
          const v = set.values[i] ?? 0;
          if (v > 0) {
            const rect = el(doc, 'rect', {
              x: x(i) + step * 0.15, width: Math.max(1, step * 0.7), y: y(base + v), height: y(base) - y(base + v),
              fill: set.color, 'data-set': set.name,
            });
            rect.append(title(doc, `${label} — ${set.name}: ${round(v)}${this.#unit}`));
            svg.append(rect);
          }
          base += v;
        }
      });
    } else {
      for (const set of sets) {
        const points = [];
        set.values.forEach((v, i) => { if (v !== null && v !== undefined) points.push(`${x(i) + step / 2},${y(v)}`); });
        if (points.length === 0) continue;
        svg.append(el(doc, 'polyline', { points: points.join(' '), fill: 'none', stroke: set.color, 'stroke-width': 2, 'data-set': set.name }));
        set.values.forEach((v, i) => {
          if (v === null || v === undefined) return;
          const dot = el(doc, 'circle', { cx: x(i) + step / 2, cy: y(v), r: 3, fill: set.color });
          dot.append(title(doc, `${labels[i]} — ${set.name}: ${round(v)}${this.#unit}`));
          svg.append(dot);
        });
      }
    }
    const legend = doc.createElement('ul');
    legend.className = 'legend';
    for (const set of sets) {
      const item = doc.createElement('li');
      const swatch = doc.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = set.color;
      item.append(swatch, doc.createTextNode(set.name));
      legend.append(item);
    }
    this.#host.replaceChildren(svg, legend);
  }
}

function el(doc, name, attributes) {
  const node = doc.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function text(doc, content, attributes) {
  const node = el(doc, 'text', attributes);
  node.textContent = content;
  return node;
}

function title(doc, content) {
  const node = doc.createElementNS(SVG, 'title');
  node.textContent = content;
  return node;
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
export function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) {
    if (value <= m * power) return m * power;
  }
  return 10 * power;
}

function round(v) {
  return Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10;
}
