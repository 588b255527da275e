// A small line chart as inline SVG: forecast per school year against the
// school's capacity. No chart library: a few SVG elements suffice.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// linien draws points [{x: label, y: number}] and an optional horizontal
// reference line (capacity). title names the chart for screen readers.
export function linien({ id, title, desc, punkte, referenz, referenzLabel }) {
  const W = 640, H = 260, L = 48, R = 36, T = 16, B = 40;
  const maxY = Math.max(1, ...punkte.map((p) => p.y), referenz || 0) * 1.1;
  const x = (i) => L + (punkte.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (punkte.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / maxY);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'diagramm' });
  root.append(svg('title', { id: `${id}-t` }, title), svg('desc', { id: `${id}-d` }, desc));
  // Axes and grid with round steps.
  const step = Math.pow(10, Math.floor(Math.log10(maxY))) * (maxY / Math.pow(10, Math.floor(Math.log10(maxY))) > 5 ? 2 : 1) / 2;
  for (let v = 0; v <= maxY; v += step) {
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'gitter' }));
    root.append(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'achse' }, String(Math.round(v))));
  }
  punkte.forEach((p, i) => {
    if (punkte.length <= 12 || i % 2 === 0) {
      root.append(svg('text', { x: x(i), y: H - B + 18, 'text-anchor': 'middle', class: 'achse' }, p.x));
    }
  });
  if (referenz) {
    root.append(svg('line', { x1: L, x2: W - R, y1: y(referenz), y2: y(referenz), class: 'referenz' }));
    root.append(svg('text', { x: W - R, y: y(referenz) - 6, 'text-anchor': 'end', class: 'referenz-text' }, `${referenzLabel} ${referenz}`));
  }
  root.append(svg('polyline', { points: punkte.map((p, i) => `${x(i)},${y(p.y)}`).join(' '), class: 'linie' }));
  punkte.forEach((p, i) => {
    const c = svg('circle', { cx: x(i), cy: y(p.y), r: 4, class: 'punkt' });
    c.append(svg('title', {}, `${p.x}: ${p.y}`));
    root.append(c);
  });
  return root;
}

// verlauf draws a sparkline of values (null: suppressed, left out) for a
// row of the overview, with the capacity as a thin line when known.
export function verlauf({ title, werte, referenz }) {
  const W = 120, H = 28, P = 3;
  const da = werte.map((v, i) => [i, v]).filter(([, v]) => v != null);
  const maxY = Math.max(1, ...da.map(([, v]) => v), referenz || 0);
  const x = (i) => P + (werte.length <= 1 ? (W - 2 * P) / 2 : (i * (W - 2 * P)) / (werte.length - 1));
  const y = (v) => H - P - (H - 2 * P) * (v / maxY);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', class: 'verlauf' });
  root.append(svg('title', {}, `${title}: ${da.map(([, v]) => v).join(', ')}`));
  if (referenz) root.append(svg('line', { x1: P, x2: W - P, y1: y(referenz), y2: y(referenz), class: 'referenz' }));
  root.append(svg('polyline', { points: da.map(([i, v]) => `${x(i)},${y(v)}`).join(' '), class: 'linie' }));
  return root;
}
