/**
 * `gfpcheck replay --html`: one self-contained page (no external script, style sheet, font or
 * icon): a section per state (the initial one, then one after each step) with the op, its
 * outcome, what changed, its events, buddyinfo / pagetypeinfo and the memory map as SVG; a range
 * slider shows one section at a time. The verdict and the evidence, outlined on the map, close
 * the page.
 *
 * The memory maps are drawn in the page, from data embedded as JSON: a map of every step as
 * markup would make a 30-step case on a 1024-page zone a 6 MB file; the data is a few kB a step
 * (each state as runs over a table of block descriptions shared by all states). The page's
 * renderer, PAGE_MAP_RENDERER, draws exactly what memoryMapSvg() draws (replay-html.test.ts
 * compares the two on every state of a replay).
 *
 * Deterministic: the same replay gives the same bytes (no dates, no absolute paths).
 */

import { migratetypeName } from "../../model/migratetype.js";
import { describeOp } from "../../properties/op-codec.js";
import { escapeHtml } from "./escape.js";
import {
  ALLOCATED,
  CELL_CLASSES,
  type CellClass,
  CLASS_FILL,
  type MemoryMap,
  memoryMapSvgLegend,
  mtFill,
  SVG_GEOMETRY,
} from "./memory-map.js";
import { describeOutcome, type Replay, type StateView } from "./replay-model.js";
import { conclusion, violationLines } from "./replay-text.js";

export { escapeHtml };

/** One state's map: runs of cells over the shared table, the pageblock types, the marks. */
export interface MapStateData {
  /** Flat pairs: a count of consecutive cells, then their index in MapPageData.entries. */
  readonly runs: readonly number[];
  /** One character per pageblock: its migratetype as a digit, "-" for none. */
  readonly mts: string;
  /** Per-pageblock maps: allocated pages of each cell. */
  readonly used: readonly number[];
  /** Pfns to outline: the violation's evidence, on the failing step. */
  readonly marks: readonly number[];
}

/** What PAGE_MAP_RENDERER needs besides a state: the geometry, colours, names and the shared table. */
export interface MapPageData {
  readonly unit: MemoryMap["unit"];
  readonly nrPages: number;
  readonly pageblockOrder: number;
  readonly geometry: typeof SVG_GEOMETRY;
  readonly classes: readonly CellClass[];
  readonly fills: Readonly<Record<CellClass, string>>;
  readonly allocated: readonly CellClass[];
  readonly mtNames: readonly string[];
  readonly mtFills: readonly string[];
  /** The legend markup (the same for every state of a zone). */
  readonly legend: string;
  /** [class index, what] of every distinct cell content over all states. */
  readonly entries: readonly (readonly [number, string])[];
  readonly states: readonly MapStateData[];
}

/** The maps of a replay's states as page data. */
export function mapPageData(maps: readonly MemoryMap[], marks: readonly (readonly number[])[]): MapPageData {
  const first = maps[0];
  if (first === undefined) throw new Error("no memory maps");
  const entries: [number, string][] = [];
  const index = new Map<string, number>();
  const states = maps.map((map, s): MapStateData => {
    const runs: number[] = [];
    let last = -1;
    for (const cell of map.cells) {
      const key = `${cell.cls}\u0000${cell.what}`;
      let entry = index.get(key);
      if (entry === undefined) {
        entry = entries.length;
        entries.push([CELL_CLASSES.indexOf(cell.cls), cell.what]);
        index.set(key, entry);
      }
      if (entry === last) runs[runs.length - 2] = (runs[runs.length - 2] ?? 0) + 1;
      else runs.push(1, entry);
      last = entry;
    }
    const pageblocks: string[] = [];
    for (const cell of map.cells) {
      if (pageblocks.length === cell.pageblock)
        pageblocks.push(cell.pageblockMt === undefined ? "-" : `${cell.pageblockMt}`);
    }
    return {
      runs,
      mts: pageblocks.join(""),
      used: map.unit === "page" ? [] : map.cells.map((c) => c.used),
      marks: marks[s] ?? [],
    };
  });
  const rows = Math.ceil(first.cells.length / SVG_GEOMETRY.perLine);
  return {
    unit: first.unit,
    nrPages: first.nrPages,
    pageblockOrder: first.pageblockOrder,
    geometry: SVG_GEOMETRY,
    classes: CELL_CLASSES,
    fills: CLASS_FILL,
    allocated: CELL_CLASSES.filter((c) => ALLOCATED.has(c)),
    mtNames: [0, 1, 2, 3].map((mt) => migratetypeName(mt as 0 | 1 | 2 | 3)),
    mtFills: [0, 1, 2, 3].map((mt) => mtFill(mt as 0 | 1 | 2 | 3)),
    legend: memoryMapSvgLegend(first, rows * SVG_GEOMETRY.row + 8),
    entries,
    states,
  };
}

/**
 * The page's map renderer: `renderMap(D, S)` returns the SVG markup of state S, character for
 * character what memoryMapSvg() returns for that state's map. Plain ES5, no dependencies.
 */
export const PAGE_MAP_RENDERER = `
function renderMap(D, S) {
  var g = D.geometry;
  var perCell = D.unit === "page" ? 1 : Math.pow(2, D.pageblockOrder);
  var cells = [];
  for (var r = 0; r < S.runs.length; r += 2) {
    for (var k = 0; k < S.runs[r]; k++) cells.push(D.entries[S.runs[r + 1]]);
  }
  var allocated = {};
  for (var a = 0; a < D.allocated.length; a++) allocated[D.allocated[a]] = true;
  var marked = {};
  for (var m = 0; m < S.marks.length; m++) {
    var p = S.marks[m];
    if (p >= 0 && p < D.nrPages) marked[Math.floor(p / perCell)] = true;
  }
  function hex(v) { return "0x" + v.toString(16); }
  function esc(t) {
    return t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function pageblockOf(i) { return D.unit === "page" ? (i * perCell) >> D.pageblockOrder : i; }
  function mtOf(i) {
    var c = S.mts.charAt(pageblockOf(i));
    return c === "-" || c === "" ? undefined : Number(c);
  }
  function mtName(mt) { return mt === undefined ? "no type" : D.mtNames[mt]; }
  function mtFill(mt) { return mt === undefined ? "#ffffff" : D.mtFills[mt]; }
  var rows = Math.ceil(cells.length / g.perLine);
  var width = g.left + g.perLine * g.pitch + 4;
  var legendTop = rows * g.row + 8;
  var height = legendTop + g.legendHeight;
  var out = ['<svg xmlns="http://www.w3.org/2000/svg" class="memory-map" width="' + width + '" height="' + height +
    '" viewBox="0 0 ' + width + " " + height + '" font-family="monospace" font-size="9">'];
  for (var row = 0; row < rows; row++) {
    var first = row * g.perLine;
    var end = Math.min(cells.length, first + g.perLine);
    var y = row * g.row;
    out.push('<text x="0" y="' + (y + 8) + '">' + hex(first * perCell) + "</text>");
    for (var i = first; i < end; i++) {
      var cls = D.classes[cells[i][0]];
      var what = cells[i][1];
      var pfn = i * perCell;
      var pb = pageblockOf(i);
      var mt = mtOf(i);
      var title = D.unit === "page"
        ? "pfn " + hex(pfn) + ": " + what + "; pageblock " + pb + " " + mtName(mt)
        : "pageblock " + pb + " (pfns " + hex(pfn) + "-" + hex(pfn + perCell - 1) + ") " + mtName(mt) + ": " + what;
      var shade = D.unit === "page" || !allocated[cls] ? ""
        : ' fill-opacity="' + (0.3 + (0.7 * S.used[i]) / perCell).toFixed(2) + '"';
      var ev = marked[i] ? ' stroke="#000" stroke-width="2"' : "";
      out.push('<rect x="' + (g.left + (i - first) * g.pitch) + '" y="' + y + '" width="' + g.cell + '" height="' +
        g.cell + '" fill="' + D.fills[cls] + '"' + shade + ev + "><title>" + esc(title) + "</title></rect>");
    }
    var s = first;
    while (s < end) {
      var t = s + 1;
      while (t < end && (D.unit === "page" ? pageblockOf(t) === pageblockOf(s) : mtOf(t) === mtOf(s))) t++;
      var band;
      if (D.unit === "page") {
        var b = pageblockOf(s);
        var size = Math.pow(2, D.pageblockOrder);
        band = "pageblock " + b + " (pfns " + hex(b * size) + "-" + hex((b + 1) * size - 1) + "): " + mtName(mtOf(s));
      } else {
        band = (s === t - 1 ? "pageblock " + s : "pageblocks " + s + "-" + (t - 1)) + ": " + mtName(mtOf(s));
      }
      out.push('<rect x="' + (g.left + (s - first) * g.pitch) + '" y="' + (y + g.pitch) + '" width="' +
        ((t - s) * g.pitch - 1) + '" height="' + g.band + '" fill="' + mtFill(mtOf(s)) + '"><title>' + esc(band) +
        "</title></rect>");
      s = t;
    }
  }
  out.push(D.legend);
  out.push("</svg>");
  return out.join("\\n");
}
`;

/** The page's controls: the slider, the buttons, drawing a state's map when it is first shown. */
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("replay-data").textContent);
  var slider = document.getElementById("step");
  var label = document.getElementById("step-label");
  var sections = document.querySelectorAll("section.state");
  function draw(map) {
    if (map === null || map.getAttribute("data-drawn") === "1") return;
    map.innerHTML = renderMap(data, data.states[Number(map.getAttribute("data-state"))]);
    map.setAttribute("data-drawn", "1");
  }
  function show(i) {
    var n = Math.max(0, Math.min(sections.length - 1, i));
    for (var k = 0; k < sections.length; k++) sections[k].hidden = k !== n;
    draw(sections[n].querySelector("div.map"));
    slider.value = String(n);
    label.textContent = sections[n].getAttribute("data-label");
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  document.getElementById("prev").addEventListener("click", function () { show(Number(slider.value) - 1); });
  document.getElementById("next").addEventListener("click", function () { show(Number(slider.value) + 1); });
  show(Number(slider.value));
  draw(document.getElementById("evidence-map"));
})();
`;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #111; max-width: 1100px; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
h2 { font-size: 1.05em; margin: 0.6em 0 0.3em; font-family: monospace; }
h3 { font-size: 0.95em; margin: 0.6em 0 0.2em; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; margin: 0.3em 0; }
pre.events { max-height: 22em; overflow-y: auto; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; margin: 0.5em 0; }
dt { font-weight: bold; }
dd { margin: 0; font-family: monospace; }
.controls { position: sticky; top: 0; background: #fff; padding: 0.5em 0; border-bottom: 1px solid #ccc; }
.controls input[type=range] { width: 60%; vertical-align: middle; }
.controls output { font-family: monospace; margin-left: 0.5em; }
.failing h2 { color: #b71c1c; }
.verdict { border-top: 2px solid #333; margin-top: 1em; }
.bad { color: #b71c1c; font-weight: bold; }
.good { color: #1b5e20; font-weight: bold; }
svg.memory-map { display: block; margin: 0.4em 0; }
`;

/** JSON inside a <script> element: no "</script>" or "<!--" can end or change it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function stateHtml(state: StateView, index: number): string[] {
  return [
    "<h3>buddyinfo / pagetypeinfo</h3>",
    `<pre>${escapeHtml([state.buddyinfo, "", ...state.pagetypeinfo, "", state.counters].join("\n"))}</pre>`,
    "<h3>memory map</h3>",
    `<div class="map" data-state="${index}"></div>`,
  ];
}

interface Section {
  readonly label: string;
  readonly body: readonly string[];
  readonly failing: boolean;
}

function sections(replay: Replay): Section[] {
  const out: Section[] = [{ label: "initial state", body: stateHtml(replay.initial, 0), failing: false }];
  for (const s of replay.steps) {
    const failing = replay.failedAt === s.index;
    const outcome =
      s.outcome === undefined
        ? `the model hit an internal inconsistency: ${s.failure ?? ""}`
        : describeOutcome(s.outcome);
    const body = [
      ...(failing
        ? [
            `<p class="bad">violated here: ${escapeHtml([...new Set(replay.violations.map((v) => v.invariant))].join(", "))}</p>`,
          ]
        : []),
      `<p><b>outcome:</b> ${escapeHtml(outcome)}</p>`,
      `<p><b>changed:</b> ${escapeHtml(s.changes.length === 0 ? "nothing" : s.changes.join("; "))}</p>`,
      `<h3>events (${s.eventLines.length})</h3>`,
      s.eventLines.length === 0 ? "<p>none</p>" : `<pre class="events">${escapeHtml(s.eventLines.join("\n"))}</pre>`,
      ...stateHtml(s.after, out.length),
    ];
    out.push({ label: `step ${s.index}: ${describeOp(s.op)}`, body, failing });
  }
  return out;
}

/** The pfns a replay's violations name. */
function evidencePages(replay: Replay): number[] {
  return replay.violations.flatMap((v) => v.pages);
}

/**
 * The maps of the page: one per state (the evidence marked on the failing step), then, when the
 * violations name pages, the last state again with them marked, for the verdict.
 */
export function replayMapData(replay: Replay): MapPageData {
  const evidence = evidencePages(replay);
  const last = replay.steps[replay.steps.length - 1]?.after ?? replay.initial;
  const maps = [replay.initial.map, ...replay.steps.map((s) => s.after.map)];
  const marks = [[], ...replay.steps.map((s) => (replay.failedAt === s.index ? evidence : []))];
  return evidence.length === 0 ? mapPageData(maps, marks) : mapPageData([...maps, last.map], [...marks, evidence]);
}

export function replayHtml(replay: Replay): string {
  const c = replay.regression;
  const all = sections(replay);
  const selected = all.length - 1;
  const good = replay.reproduces !== false;
  const lines: string[] = [];
  lines.push("<!DOCTYPE html>");
  lines.push('<html lang="en">');
  lines.push("<head>");
  lines.push('<meta charset="utf-8">');
  lines.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  // An empty icon: the browser asks nobody for /favicon.ico.
  lines.push('<link rel="icon" href="data:,">');
  lines.push(`<title>gfpcheck replay: ${escapeHtml(c.name)}</title>`);
  lines.push(`<style>${STYLE}</style>`);
  lines.push("</head>");
  lines.push("<body>");
  lines.push(`<h1>${escapeHtml(c.name)}</h1>`);
  lines.push(`<p>${escapeHtml(c.description)}</p>`);
  lines.push("<dl>");
  const facts: [string, string][] = [
    ["file", replay.file],
    ["property", c.property],
    ["policy", replay.ownPolicy ? replay.policy : `${replay.policy} (the file's: ${c.policy})`],
    ["expected", c.expected],
    ["verdict", replay.verdict],
    ["zone", JSON.stringify(c.config.zone ?? {})],
  ];
  for (const [term, value] of facts) lines.push(`<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`);
  lines.push("</dl>");
  lines.push("<noscript><p>The step slider and the memory maps of the steps need JavaScript.</p></noscript>");
  lines.push('<div class="controls">');
  lines.push('<button type="button" id="prev" aria-label="previous step">&#9664;</button>');
  lines.push(
    `<input type="range" id="step" min="0" max="${all.length - 1}" value="${selected}" step="1" aria-label="step">`,
  );
  lines.push('<button type="button" id="next" aria-label="next step">&#9654;</button>');
  lines.push(`<output id="step-label" for="step">${escapeHtml(all[selected]?.label ?? "")}</output>`);
  lines.push("</div>");
  all.forEach((section, i) => {
    const cls = section.failing ? "state failing" : "state";
    const hidden = i === selected ? "" : " hidden";
    lines.push(`<section class="${cls}" id="state-${i}" data-label="${escapeHtml(section.label)}"${hidden}>`);
    lines.push(`<h2>${escapeHtml(section.label)}</h2>`);
    lines.push(...section.body);
    lines.push("</section>");
  });
  lines.push('<section class="verdict">');
  lines.push(`<h2>verdict: ${escapeHtml(replay.verdict)}</h2>`);
  if (replay.violations.length > 0) {
    lines.push(`<pre>${escapeHtml(replay.violations.flatMap(violationLines).join("\n"))}</pre>`);
    const last = replay.steps[replay.steps.length - 1];
    if (evidencePages(replay).length > 0) {
      const at = last === undefined ? "of the initial state" : `after step ${last.index}`;
      lines.push(`<p>The evidence on the memory map ${escapeHtml(at)}, outlined:</p>`);
      if (replay.failedAt === -1) {
        lines.push(
          "<p>(The end-of-run check first frees every allocation and drains the pcp lists: the pages refer to that state.)</p>",
        );
      }
      lines.push(`<div class="map" id="evidence-map" data-state="${all.length}"></div>`);
    }
  }
  if (replay.notRun > 0) {
    lines.push(`<p>${replay.notRun} later op(s) of the file not run: the replay stops at the first violation.</p>`);
  }
  lines.push(`<p class="${good ? "good" : "bad"}">${escapeHtml(conclusion(replay))}</p>`);
  lines.push("</section>");
  lines.push(`<script type="application/json" id="replay-data">${scriptJson(replayMapData(replay))}</script>`);
  lines.push(`<script>${PAGE_MAP_RENDERER}${PAGE_SCRIPT}</script>`);
  lines.push("</body>");
  lines.push("</html>");
  return `${lines.join("\n")}\n`;
}
