/**
 * @module bench/chart
 * The results as a small SVG: start time and supervisor memory against the number of services,
 * one line per kind, both axes logarithmic (sizes and figures span three decades). Plain SVG
 * text, so it renders on GitHub and in any browser without a library.
 */

/** One kind's points in one panel: size -> median. */
export interface Series {
  kind: string;
  points: [number, number][];
}

/** A panel: a title, the unit on its y axis, and the kinds' series. */
export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const COLOURS: Record<string, string> = {
  dinit: "#4c78a8",
  bosun: "#e45756",
  "bosun-src": "#f28e2b",
  "bun-floor": "#888888",
  s6: "#54a24b",
  runit: "#72b7b2",
  supervisord: "#b279a2",
  pm2: "#9d755d",
};

const W = 360;
const H = 260;
const PAD = { left: 56, right: 14, top: 30, bottom: 40 };

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const fmt = (x: number) => (x >= 1000 ? `${x / 1000}k` : x >= 1 ? String(x) : x.toPrecision(1));

/** Ticks 1, 2, 5 × 10^k inside [lo, hi] (at most ~8 of them). */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) out.push(Number(t.toPrecision(3)));
    }
  }
  return out.length > 8 ? out.filter((t) => /^1/.test(String(t))) : out;
}

/** One panel's SVG group, drawn at x offset `dx`. */
function panel(p: Panel, dx: number): string {
  const pts = p.series.flatMap((s) => s.points);
  if (pts.length === 0) return `<g transform="translate(${dx},0)"><text x="${W / 2}" y="${H / 2}" text-anchor="middle">${esc(p.title)}: not measured</text></g>`;
  const xs = [...new Set(pts.map(([x]) => x))].sort((a, b) => a - b);
  const ys = pts.map(([, y]) => y).filter((y) => y > 0);
  const [x0, x1] = [xs[0]! / 1.5, xs.at(-1)! * 1.5];
  const [y0, y1] = [Math.min(...ys) / 1.5, Math.max(...ys) * 1.5];
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * plotW;
  const sy = (y: number) => PAD.top + plotH - ((Math.log(y) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * plotH;
  const out: string[] = [`<g transform="translate(${dx},0)">`];
  out.push(`<text x="${PAD.left + plotW / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (const t of logTicks(y0, y1)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${PAD.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const x of xs) out.push(`<text x="${sx(x).toFixed(1)}" y="${PAD.top + plotH + 14}" text-anchor="middle">${fmt(x)}</text>`);
  out.push(`<text x="${PAD.left + plotW / 2}" y="${H - 8}" text-anchor="middle">services</text>`);
  out.push(`<text transform="translate(12,${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(p.unit)}</text>`);
  for (const s of p.series) {
    const colour = COLOURS[s.kind] ?? "#333";
    const width = s.kind.startsWith("bosun") ? 2.5 : 1.5;
    const line = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    // the floor is a reference, not a supervisor: dashed
    const dash = s.kind === "bun-floor" ? ' stroke-dasharray="5,3"' : "";
    if (s.points.length > 1) out.push(`<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="${width}"${dash}/>`);
    for (const [x, y] of s.points) {
      out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${colour}"><title>${esc(`${s.kind}, ${x} services: ${Number(y.toPrecision(3))} ${p.unit}`)}</title></circle>`);
    }
  }
  out.push("</g>");
  return out.join("\n");
}

/**
 * The chart as SVG text: the panels side by side with one legend of the kinds beneath.
 *
 * @example
 * writeFileSync("bench/chart.svg", chart([{ title: "start", unit: "ms", series: [{ kind: "dinit", points: [[100, 102], [1000, 1072]] }] }], "2026-11-30"));
 */
export function chart(panels: Panel[], caption: string): string {
  const kinds = [...new Set(panels.flatMap((p) => p.series.map((s) => s.kind)))];
  const width = W * panels.length;
  const height = H + 44;
  const legend = kinds.map((k, i) => {
    const x = 16 + i * Math.floor((width - 16) / Math.max(kinds.length, 1));
    return `<rect x="${x}" y="${H + 6}" width="12" height="12" fill="${COLOURS[k] ?? "#333"}"/><text x="${x + 16}" y="${H + 16}">${esc(k)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((p, i) => panel(p, i * W)),
    ...legend,
    `<text x="${width - 6}" y="${height - 6}" text-anchor="end" fill="#666">${esc(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
