/**
 * Small static SVG charts for the HTML reports: horizontal stacked bars and lines, each with a
 * title, axis labels and a legend. Pure functions from numbers to markup: no scripts, no external
 * resources, no ids (so any number of charts can share a page), coordinates rounded to a tenth of
 * a pixel so the same figures always give the same bytes. Every text is escaped.
 */

import { escapeHtml as escapeXml } from "./escape.js";

export interface Series {
  readonly name: string;
  /** One value per category (bars) or per point (lines). Non-finite values count as 0. */
  readonly values: readonly number[];
  /** A CSS colour; default: the palette, in order. */
  readonly color?: string;
}

export interface StackedBarSpec {
  readonly title: string;
  /** One horizontal bar each, top to bottom. */
  readonly categories: readonly string[];
  /** The segments of every bar, left to right; one legend entry each. */
  readonly series: readonly Series[];
  /** The label of the value axis (horizontal). */
  readonly valueLabel: string;
  /** The label of the category axis (vertical). */
  readonly categoryLabel: string;
  readonly width?: number;
}

export interface LineSpec {
  readonly title: string;
  /** The points along the horizontal axis, left to right. */
  readonly points: readonly string[];
  readonly series: readonly Series[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}

/** Ten distinguishable colours (Tableau 10), then the same again. */
export const PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const FONT = 'font-family="sans-serif" font-size="12"';
/** An estimate of the width of one character at font-size 12, for laying out labels. */
const CHAR_WIDTH = 7;

/** Escapes text for XML and HTML, attribute values included. */
export { escapeXml };

/** A coordinate, rounded to a tenth of a pixel. */
function px(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function finite(x: number | undefined): number {
  return x !== undefined && Number.isFinite(x) ? x : 0;
}

function colorOf(series: Series, index: number): string {
  return series.color ?? (PALETTE[index % PALETTE.length] as string);
}

/** An axis from 0 to a round number at or above `max`, with its tick step (1, 2 or 5 times a power of ten). */
export function niceScale(max: number, targetTicks = 5): { readonly max: number; readonly step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.2 };
  const rough = max / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude) as number;
  // toPrecision drops binary noise (3 * 0.1 is 0.30000000000000004).
  return { max: Number((Math.ceil(max / step - 1e-9) * step).toPrecision(12)), step: Number(step.toPrecision(12)) };
}

/** A tick label: as many decimals as the step needs, and no more. */
function tickText(value: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return value.toFixed(decimals);
}

/** A value in a tooltip: at most three decimals. */
function valueText(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function text(x: number, y: number, content: string, attrs = ""): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ""}>${escapeXml(content)}</text>`;
}

/** Legend entries flowing left to right and wrapping within `width`; returns the markup and its height. */
function legend(series: readonly Series[], x0: number, y0: number, width: number): { svg: string; height: number } {
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  series.forEach((s, i) => {
    const itemWidth = 18 + s.name.length * CHAR_WIDTH + 16;
    if (x > x0 && x + itemWidth > x0 + width) {
      x = x0;
      y += 18;
    }
    parts.push(`<rect x="${px(x)}" y="${px(y)}" width="12" height="12" fill="${escapeXml(colorOf(s, i))}"/>`);
    parts.push(text(x + 17, y + 10.5, s.name));
    x += itemWidth;
  });
  return { svg: `<g class="legend">${parts.join("")}</g>`, height: y - y0 + 18 };
}

function svgDocument(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
    `viewBox="0 0 ${px(width)} ${px(height)}" role="img" aria-label="${escapeXml(title)}" ${FONT}>` +
    `<title>${escapeXml(title)}</title>` +
    `<rect x="0" y="0" width="${px(width)}" height="${px(height)}" fill="#ffffff"/>` +
    `${text(width / 2, 18, title, 'text-anchor="middle" font-size="14" font-weight="bold"')}${body}</svg>`
  );
}

/** Horizontal bars, one per category, each split into the series' segments. */
export function stackedBarChart(spec: StackedBarSpec): string {
  const width = spec.width ?? 760;
  const labelWidth = Math.min(280, 12 + CHAR_WIDTH * Math.max(4, ...spec.categories.map((c) => c.length)));
  const left = 28 + labelWidth;
  const right = 24;
  const top = 34;
  const barHeight = 18;
  const barGap = 8;
  const plotWidth = width - left - right;
  const plotHeight = Math.max(1, spec.categories.length) * (barHeight + barGap) + barGap;
  const totals = spec.categories.map((_, c) => spec.series.reduce((sum, s) => sum + finite(s.values[c]), 0));
  const scale = niceScale(Math.max(0, ...totals));
  const xOf = (v: number) => left + (v / scale.max) * plotWidth;
  const parts: string[] = [];
  parts.push(
    `<rect x="${px(left)}" y="${px(top)}" width="${px(plotWidth)}" height="${px(plotHeight)}" fill="#fafafa"/>`,
  );
  // Grid and value ticks.
  for (let k = 0; k * scale.step <= scale.max + scale.step / 2; k++) {
    const v = k * scale.step;
    const x = xOf(v);
    parts.push(`<path d="M${px(x)} ${px(top)}V${px(top + plotHeight)}" stroke="#dddddd"/>`);
    parts.push(text(x, top + plotHeight + 15, tickText(v, scale.step), 'text-anchor="middle"'));
  }
  // Bars.
  spec.categories.forEach((category, c) => {
    const y = top + barGap + c * (barHeight + barGap);
    parts.push(text(left - 6, y + barHeight / 2 + 4, category, 'text-anchor="end"'));
    let acc = 0;
    spec.series.forEach((s, i) => {
      const value = finite(s.values[c]);
      if (value <= 0) return;
      const x = xOf(acc);
      acc += value;
      const w = Math.max(0.1, xOf(acc) - x);
      parts.push(
        `<rect x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${barHeight}" fill="${escapeXml(colorOf(s, i))}">` +
          `<title>${escapeXml(`${category}, ${s.name}: ${valueText(value)}`)}</title></rect>`,
      );
    });
  });
  // Axes and their labels.
  parts.push(
    `<path d="M${px(left)} ${px(top)}V${px(top + plotHeight)}H${px(left + plotWidth)}" stroke="#333333" fill="none"/>`,
  );
  parts.push(text(left + plotWidth / 2, top + plotHeight + 34, spec.valueLabel, 'text-anchor="middle"'));
  const midY = top + plotHeight / 2;
  parts.push(text(14, midY, spec.categoryLabel, `text-anchor="middle" transform="rotate(-90 14 ${px(midY)})"`));
  const key = legend(spec.series, left, top + plotHeight + 48, plotWidth);
  parts.push(key.svg);
  return svgDocument(width, top + plotHeight + 48 + key.height + 8, spec.title, parts.join(""));
}

/** One line per series over the same points. */
export function lineChart(spec: LineSpec): string {
  const width = spec.width ?? 760;
  const left = 72;
  const right = 24;
  const top = 34;
  const plotHeight = (spec.height ?? 320) - top - 60;
  const plotWidth = width - left - right;
  const n = spec.points.length;
  const scale = niceScale(Math.max(0, ...spec.series.flatMap((s) => s.values.map(finite))));
  const xOf = (i: number) => left + (n <= 1 ? plotWidth / 2 : (i / (n - 1)) * plotWidth);
  const yOf = (v: number) => top + plotHeight - (v / scale.max) * plotHeight;
  const parts: string[] = [];
  parts.push(
    `<rect x="${px(left)}" y="${px(top)}" width="${px(plotWidth)}" height="${px(plotHeight)}" fill="#fafafa"/>`,
  );
  for (let k = 0; k * scale.step <= scale.max + scale.step / 2; k++) {
    const v = k * scale.step;
    const y = yOf(v);
    parts.push(`<path d="M${px(left)} ${px(y)}H${px(left + plotWidth)}" stroke="#dddddd"/>`);
    parts.push(text(left - 6, y + 4, tickText(v, scale.step), 'text-anchor="end"'));
  }
  // Label every point if the labels fit side by side, else every second, third, ... one.
  const spacing = n <= 1 ? plotWidth : plotWidth / (n - 1);
  const every = Math.max(1, Math.ceil((8 + CHAR_WIDTH * Math.max(0, ...spec.points.map((p) => p.length))) / spacing));
  spec.points.forEach((point, i) => {
    if (i % every === 0) parts.push(text(xOf(i), top + plotHeight + 15, point, 'text-anchor="middle"'));
  });
  // Drawn last to first, so the first series (baseline) lies on top; every other line dashed,
  // so lines that coincide still show both colours.
  [...spec.series.entries()].reverse().forEach(([k, s]) => {
    const color = escapeXml(colorOf(s, k));
    const coords = spec.points.map((_, i) => [xOf(i), yOf(finite(s.values[i]))] as const);
    const d = coords.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(x)} ${px(y)}`).join("");
    const dash = k % 2 === 1 ? ' stroke-dasharray="7 4"' : "";
    parts.push(`<path d="${d}" stroke="${color}" stroke-width="2" fill="none"${dash}/>`);
    coords.forEach(([x, y], i) => {
      const label = `${s.name}, ${spec.points[i] ?? ""}: ${valueText(finite(s.values[i]))}`;
      parts.push(
        `<circle cx="${px(x)}" cy="${px(y)}" r="3" fill="${color}"><title>${escapeXml(label)}</title></circle>`,
      );
    });
  });
  parts.push(
    `<path d="M${px(left)} ${px(top)}V${px(top + plotHeight)}H${px(left + plotWidth)}" stroke="#333333" fill="none"/>`,
  );
  parts.push(text(left + plotWidth / 2, top + plotHeight + 34, spec.xLabel, 'text-anchor="middle"'));
  const midY = top + plotHeight / 2;
  parts.push(text(16, midY, spec.yLabel, `text-anchor="middle" transform="rotate(-90 16 ${px(midY)})"`));
  const key = legend(spec.series, left, top + plotHeight + 48, plotWidth);
  parts.push(key.svg);
  return svgDocument(width, top + plotHeight + 48 + key.height + 8, spec.title, parts.join(""));
}
