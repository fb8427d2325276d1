/**
 * The memory map of a replay: a strip of cells over the zone, one per page on small zones
 * (up to MAP_PAGE_CELLS_MAX pages) and one per pageblock above that, saying what each page is:
 *
 *   free         in a free buddy block (zone->free_area)
 *   pcp          on a per-CPU list (free, but hidden from the buddy allocator until drained)
 *   movable      allocated; gfp_migratetype() MIGRATE_MOVABLE (anonymous memory, page cache)
 *   unmovable    allocated; MIGRATE_UNMOVABLE (kernel memory)
 *   reclaimable  allocated; MIGRATE_RECLAIMABLE
 *   highatomic   allocated from a MIGRATE_HIGHATOMIC pageblock (the reserve)
 *   pgtable      allocated as a page table (page-owner use "pgtable"), whatever its migratetype
 *   lost         in none of the above: a leak (the no-leaks invariant's evidence)
 *   conflict     in two of the above at once: a double free or overlap (alignment, no-leaks)
 *
 * Next to it, every cell carries its pageblock's migratetype (get_pfnblock_migratetype()), so
 * an unmovable page in a movable pageblock, the fragmentation that compaction cannot undo,
 * shows as a U over an m.
 *
 * A per-pageblock cell shows the dominant class of its pages: conflict or lost if any page is;
 * else, when nothing is allocated, free or pcp (whichever holds more pages); else the allocated
 * class with the most pages. Its letter is upper case when at least half the pageblock is
 * allocated and lower case when less.
 *
 * Everything here is a pure function of the zone and the page owners; the text and SVG forms
 * are deterministic strings.
 */

import { formatGfp } from "../../model/gfp.js";
import { MIGRATE_HIGHATOMIC, type Migratetype, migratetypeName } from "../../model/migratetype.js";
import type { PageOwners } from "../../model/page-owner.js";
import { sparseForEach, sparseGet } from "../../model/persistent/sparse-array.js";
import { forEachPcpPage, type ZoneState } from "../../model/zone.js";

export const CELL_CLASSES = [
  "free",
  "pcp",
  "movable",
  "unmovable",
  "reclaimable",
  "highatomic",
  "pgtable",
  "lost",
  "conflict",
] as const;

export type CellClass = (typeof CELL_CLASSES)[number];

/** Classes of allocated pages: what "in use" means for a pageblock's fullness. */
export const ALLOCATED: ReadonlySet<CellClass> = new Set<CellClass>([
  "movable",
  "unmovable",
  "reclaimable",
  "highatomic",
  "pgtable",
]);

/** Zones up to this many pages get one cell per page; larger ones one cell per pageblock. */
export const MAP_PAGE_CELLS_MAX = 1024;

/** Cells per line of the text strip and per row of the SVG. */
export const MAP_CELLS_PER_LINE = 64;

export interface MapCell {
  /** The first pfn of the cell. */
  readonly pfn: number;
  /** Pages in the cell: 1, or the pageblock size. */
  readonly pages: number;
  /** The page's class, or the pageblock's dominant class. */
  readonly cls: CellClass;
  /** Index of the pageblock the cell lies in. */
  readonly pageblock: number;
  readonly pageblockMt: Migratetype | undefined;
  /** Pages of the cell in an allocated class. */
  readonly used: number;
  /** Pages per class, in CELL_CLASSES order, only the classes present. */
  readonly counts: Readonly<Partial<Record<CellClass, number>>>;
  /** What the cell holds: the block its page belongs to, or a pageblock's pages per class. */
  readonly what: string;
  /** `what` with the cell's pfn and pageblock: the SVG <title>. */
  readonly title: string;
}

export interface MemoryMap {
  readonly unit: "page" | "pageblock";
  readonly nrPages: number;
  readonly pageblockOrder: number;
  readonly cells: readonly MapCell[];
}

/** 0x%x */
export function hexPfn(pfn: number): string {
  return `0x${pfn.toString(16)}`;
}

function mtName(mt: Migratetype | undefined): string {
  return mt === undefined ? "no type" : migratetypeName(mt);
}

interface PageClaims {
  readonly cls: (CellClass | undefined)[];
  readonly what: (string | undefined)[];
}

function claimPages(claims: PageClaims, nrPages: number, pfn: number, order: number, cls: CellClass, what: string) {
  const end = Math.min(nrPages, pfn + 2 ** order);
  for (let p = Math.max(0, pfn); p < end; p++) {
    const previous = claims.cls[p];
    if (previous === undefined) {
      claims.cls[p] = cls;
      claims.what[p] = what;
    } else {
      claims.cls[p] = "conflict";
      claims.what[p] = `${previous === "conflict" ? "" : "in two places: "}${claims.what[p]} and ${what}`;
    }
  }
}

function blockRange(pfn: number, order: number): string {
  return order === 0 ? `pfn ${hexPfn(pfn)}` : `pfns ${hexPfn(pfn)}-${hexPfn(pfn + 2 ** order - 1)}`;
}

/** Every page's class and a description of the block it belongs to. */
function classifyPages(zone: ZoneState, owners: PageOwners): PageClaims {
  const nrPages = zone.config.nrPages;
  const claims: PageClaims = { cls: new Array(nrPages), what: new Array(nrPages) };
  sparseForEach(zone.freeBlocks, (pfn, block) => {
    const what = `free, order-${block.order} block (${blockRange(pfn, block.order)}) on the ${migratetypeName(block.mt)} list`;
    claimPages(claims, nrPages, pfn, block.order, "free", what);
    return true;
  });
  forEachPcpPage(zone, (pfn, page) => {
    const what = `on cpu ${page.cpu}'s pcp list ${page.pindex}, order-${page.order} block (${blockRange(pfn, page.order)})`;
    claimPages(claims, nrPages, pfn, page.order, "pcp", what);
  });
  sparseForEach(owners.byHandle, (handle, alloc) => {
    const blockMt = sparseGet(zone.pageblockMt, alloc.pfn >> zone.config.pageblockOrder);
    const cls: CellClass =
      alloc.use === "pgtable"
        ? "pgtable"
        : blockMt === MIGRATE_HIGHATOMIC
          ? "highatomic"
          : alloc.migratetype === 0
            ? "unmovable"
            : alloc.migratetype === 1
              ? "movable"
              : alloc.migratetype === 2
                ? "reclaimable"
                : "highatomic";
    const dirty = alloc.dirty === true ? ", dirty" : "";
    const what =
      `allocation #${handle} (${alloc.use}${dirty}), order-${alloc.order} block (${blockRange(alloc.pfn, alloc.order)}), ` +
      `${formatGfp(alloc.gfp)}, ${migratetypeName(alloc.migratetype)}`;
    claimPages(claims, nrPages, alloc.pfn, alloc.order, cls, what);
    return true;
  });
  return claims;
}

function countsOf(classes: readonly CellClass[]): Partial<Record<CellClass, number>> {
  const counts: Partial<Record<CellClass, number>> = {};
  for (const cls of CELL_CLASSES) {
    const n = classes.filter((c) => c === cls).length;
    if (n > 0) counts[cls] = n;
  }
  return counts;
}

/** The dominant class of a pageblock; see the file comment. */
export function dominantClass(counts: Readonly<Partial<Record<CellClass, number>>>): CellClass {
  if ((counts.conflict ?? 0) > 0) return "conflict";
  if ((counts.lost ?? 0) > 0) return "lost";
  let best: CellClass | undefined;
  let bestCount = 0;
  for (const cls of CELL_CLASSES) {
    const n = counts[cls] ?? 0;
    if (ALLOCATED.has(cls) && n > bestCount) {
      best = cls;
      bestCount = n;
    }
  }
  if (best !== undefined) return best;
  return (counts.pcp ?? 0) > (counts.free ?? 0) ? "pcp" : "free";
}

/** The memory map of a zone: one cell per page up to MAP_PAGE_CELLS_MAX pages, else one per pageblock. */
export function memoryMap(zone: ZoneState, owners: PageOwners): MemoryMap {
  const { nrPages, pageblockOrder } = zone.config;
  const claims = classifyPages(zone, owners);
  const classOf = (pfn: number): CellClass => claims.cls[pfn] ?? "lost";
  const typeOf = (pageblock: number) => sparseGet(zone.pageblockMt, pageblock);
  const cells: MapCell[] = [];
  if (nrPages <= MAP_PAGE_CELLS_MAX) {
    for (let pfn = 0; pfn < nrPages; pfn++) {
      const cls = classOf(pfn);
      const pageblock = pfn >> pageblockOrder;
      const mt = typeOf(pageblock);
      const what = claims.what[pfn] ?? "not free, on no pcp list, not allocated: lost";
      cells.push({
        pfn,
        pages: 1,
        cls,
        pageblock,
        pageblockMt: mt,
        used: ALLOCATED.has(cls) ? 1 : 0,
        counts: { [cls]: 1 },
        what,
        title: `pfn ${hexPfn(pfn)}: ${what}; pageblock ${pageblock} ${mtName(mt)}`,
      });
    }
    return { unit: "page", nrPages, pageblockOrder, cells };
  }
  const perBlock = 2 ** pageblockOrder;
  for (let pageblock = 0; pageblock * perBlock < nrPages; pageblock++) {
    const start = pageblock * perBlock;
    const classes: CellClass[] = [];
    for (let pfn = start; pfn < Math.min(nrPages, start + perBlock); pfn++) classes.push(classOf(pfn));
    const counts = countsOf(classes);
    const used = classes.filter((c) => ALLOCATED.has(c)).length;
    const mt = typeOf(pageblock);
    const listed = CELL_CLASSES.filter((c) => counts[c] !== undefined)
      .map((c) => `${counts[c]} ${c}`)
      .join(", ");
    cells.push({
      pfn: start,
      pages: classes.length,
      cls: dominantClass(counts),
      pageblock,
      pageblockMt: mt,
      used,
      counts,
      what: listed,
      title: `pageblock ${pageblock} (pfns ${hexPfn(start)}-${hexPfn(start + classes.length - 1)}) ${mtName(mt)}: ${listed}`,
    });
  }
  return { unit: "pageblock", nrPages, pageblockOrder, cells };
}

/** Cells whose class or pageblock type differ between two maps of the same zone. */
export function changedCells(before: MemoryMap, after: MemoryMap): number {
  let changed = 0;
  after.cells.forEach((cell, i) => {
    const old = before.cells[i];
    if (old === undefined || old.cls !== cell.cls || old.pageblockMt !== cell.pageblockMt || old.used !== cell.used)
      changed++;
  });
  return changed;
}

// ---- text ----

const CLASS_CHAR: Readonly<Record<CellClass, string>> = {
  free: ".",
  pcp: "p",
  movable: "M",
  unmovable: "U",
  reclaimable: "R",
  highatomic: "H",
  pgtable: "T",
  lost: "?",
  conflict: "!",
};

/** SGR codes for --color. */
const CLASS_SGR: Readonly<Record<CellClass, string>> = {
  free: "2",
  pcp: "36",
  movable: "32",
  unmovable: "31",
  reclaimable: "33",
  highatomic: "35",
  pgtable: "1;34",
  lost: "1;37;41",
  conflict: "1;33;41",
};

/** The class whose colour and letter a pageblock migratetype borrows. */
export const MT_CLASS: readonly CellClass[] = ["unmovable", "movable", "reclaimable", "highatomic"];

/** The pageblock-type letter: u m r h (lower case, so it never reads as a page's class). */
function mtChar(mt: Migratetype | undefined): string {
  return mt === undefined ? " " : (CLASS_CHAR[MT_CLASS[mt] ?? "free"] ?? " ").toLowerCase();
}

function paint(text: string, sgr: string, color: boolean): string {
  return color ? `\x1b[${sgr}m${text}\x1b[0m` : text;
}

function cellChar(map: MemoryMap, cell: MapCell): string {
  const char = CLASS_CHAR[cell.cls];
  if (map.unit === "page" || !ALLOCATED.has(cell.cls)) return char;
  return cell.used * 2 >= cell.pages ? char : char.toLowerCase();
}

function mtSgr(mt: Migratetype | undefined): string {
  const cls = mt === undefined ? undefined : MT_CLASS[mt];
  return cls === undefined ? "0" : CLASS_SGR[cls];
}

function mtPaint(mt: Migratetype | undefined, color: boolean): string {
  return paint(mtChar(mt), mtSgr(mt), color);
}

/** Characters with their SGR codes, one escape per run of the same code rather than per character. */
function paintRuns(chars: readonly (readonly [string, string])[], color: boolean): string {
  if (!color) return chars.map(([char]) => char).join("");
  let out = "";
  let i = 0;
  while (i < chars.length) {
    const sgr = (chars[i] as readonly [string, string])[1];
    let text = "";
    while (i < chars.length && (chars[i] as readonly [string, string])[1] === sgr) {
      text += (chars[i] as readonly [string, string])[0];
      i++;
    }
    out += paint(text, sgr, true);
  }
  return out;
}

export interface MapTextOptions {
  /** ANSI colours (a terminal that asked for them). */
  readonly color?: boolean;
  /** Pfns to point at with `^` under their cells: a violation's evidence. */
  readonly marks?: readonly number[];
  /** Only the lines holding a marked cell (with their marks): the evidence, without the rest of the zone. */
  readonly onlyMarked?: boolean;
}

export function markedCells(map: MemoryMap, marks: readonly number[]): Set<number> {
  const perCell = map.unit === "page" ? 1 : 2 ** map.pageblockOrder;
  const marked = new Set<number>();
  for (const pfn of marks) if (pfn >= 0 && pfn < map.nrPages) marked.add(Math.floor(pfn / perCell));
  return marked;
}

/**
 * The strip as text, MAP_CELLS_PER_LINE cells a line, each line led by the pfn of its first cell.
 * One cell per page: the line ends with the migratetypes of the pageblocks it covers. One cell per
 * pageblock: a second line gives each cell's pageblock migratetype. Cells holding a marked pfn
 * get a `^` on a line of their own below.
 */
export function memoryMapText(map: MemoryMap, options: MapTextOptions = {}): string[] {
  const color = options.color ?? false;
  const marked = markedCells(map, options.marks ?? []);
  const width = hexPfn(map.nrPages - 1).length;
  const lines: string[] = [];
  for (let first = 0; first < map.cells.length; first += MAP_CELLS_PER_LINE) {
    const row = map.cells.slice(first, first + MAP_CELLS_PER_LINE);
    const hasMarks = row.some((_, i) => marked.has(first + i));
    if (options.onlyMarked === true && !hasMarks) continue;
    const lead = hexPfn(row[0]?.pfn ?? 0).padStart(width);
    const strip = paintRuns(
      row.map((cell) => [cellChar(map, cell), CLASS_SGR[cell.cls]] as const),
      color,
    );
    if (map.unit === "page") {
      const blocks: (readonly [string, string])[] = [];
      let last = -1;
      for (const cell of row) {
        if (cell.pageblock !== last) blocks.push([mtChar(cell.pageblockMt), mtSgr(cell.pageblockMt)]);
        last = cell.pageblock;
      }
      const pad = " ".repeat(MAP_CELLS_PER_LINE - row.length);
      lines.push(`${lead} ${strip}${pad}  ${paintRuns(blocks, color)}`);
    } else {
      lines.push(`${lead} ${strip}`);
      const types = row.map((cell) => [mtChar(cell.pageblockMt), mtSgr(cell.pageblockMt)] as const);
      lines.push(`${" ".repeat(width)} ${paintRuns(types, color)}`);
    }
    if (hasMarks) {
      const marks = row.map((_, i) => (marked.has(first + i) ? "^" : " ")).join("");
      lines.push(`${" ".repeat(width)} ${paint(marks.trimEnd(), "1", color)}`);
    }
  }
  return lines;
}

const CLASS_LABEL: Readonly<Record<CellClass, string>> = {
  free: "free (buddy)",
  pcp: "pcp list",
  movable: "movable",
  unmovable: "unmovable",
  reclaimable: "reclaimable",
  highatomic: "highatomic",
  pgtable: "page table",
  lost: "lost",
  conflict: "in two places",
};

/** The one line (two for per-pageblock maps) that says how to read memoryMapText(). */
export function memoryMapLegend(map: MemoryMap, options: { color?: boolean } = {}): string[] {
  const color = options.color ?? false;
  const classes = CELL_CLASSES.map((cls) => `${paint(CLASS_CHAR[cls], CLASS_SGR[cls], color)} ${CLASS_LABEL[cls]}`);
  const types = MT_CLASS.map((cls, mt) => `${mtPaint(mt as Migratetype, color)} ${cls}`).join(" ");
  if (map.unit === "page") {
    return [`legend: ${classes.join("  ")}; right of each line: its pageblocks' migratetypes (${types})`];
  }
  return [
    `legend: one cell per pageblock of ${2 ** map.pageblockOrder} pages, its dominant class: ${classes.join("  ")}`,
    `        upper case: at least half the pageblock allocated, lower case: less; line below: pageblock migratetype (${types})`,
  ];
}

// ---- SVG ----

export const CLASS_FILL: Readonly<Record<CellClass, string>> = {
  free: "#e4e4e4",
  pcp: "#80d8e6",
  movable: "#43a047",
  unmovable: "#e53935",
  reclaimable: "#f9c02d",
  highatomic: "#8e24aa",
  pgtable: "#1a3a8f",
  lost: "#111111",
  conflict: "#ff6d00",
};

/** Pixel geometry of memoryMapSvg(); the replay page's own renderer (replay-html.ts) reads it too. */
export const SVG_GEOMETRY = {
  /** Side of a cell. */
  cell: 10,
  /** Cell pitch: a cell and the gap after it. */
  pitch: 11,
  /** Height of the pageblock band under a row of cells. */
  band: 3,
  /** Row pitch: a cell, the band, a gap. */
  row: 18,
  /** Room for the pfn labels. */
  left: 46,
  /** Height of the legend under the rows. */
  legendHeight: 52,
  perLine: MAP_CELLS_PER_LINE,
} as const;

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The fill of a pageblock band. */
export function mtFill(mt: Migratetype | undefined): string {
  const cls = mt === undefined ? undefined : MT_CLASS[mt];
  return cls === undefined ? "#ffffff" : CLASS_FILL[cls];
}

/** The title of a pageblock band: one pageblock (per-page maps) or a run of one type (per-pageblock maps). */
function bandTitle(map: MemoryMap, first: MapCell, last: MapCell): string {
  if (map.unit === "page") {
    const start = first.pageblock * 2 ** map.pageblockOrder;
    const end = (first.pageblock + 1) * 2 ** map.pageblockOrder - 1;
    return `pageblock ${first.pageblock} (pfns ${hexPfn(start)}-${hexPfn(end)}): ${mtName(first.pageblockMt)}`;
  }
  const which =
    first.pageblock === last.pageblock
      ? `pageblock ${first.pageblock}`
      : `pageblocks ${first.pageblock}-${last.pageblock}`;
  return `${which}: ${mtName(first.pageblockMt)}`;
}

/** The legend of memoryMapSvg(), drawn below `top`: a swatch per class and a line on the band and shading. */
export function memoryMapSvgLegend(map: Pick<MemoryMap, "unit" | "pageblockOrder">, top: number): string {
  const out: string[] = [];
  CELL_CLASSES.forEach((cls, k) => {
    const x = (k % 5) * 130;
    const y = top + Math.floor(k / 5) * 16;
    out.push(
      `<rect x="${x}" y="${y}" width="${SVG_GEOMETRY.cell}" height="${SVG_GEOMETRY.cell}" fill="${CLASS_FILL[cls]}"/>`,
    );
    out.push(`<text x="${x + 14}" y="${y + 8}">${escapeXml(CLASS_LABEL[cls])}</text>`);
  });
  const note =
    map.unit === "page"
      ? "one cell per page; the band under each row: its pageblocks' migratetypes, in the colours above"
      : `one cell per pageblock of ${2 ** map.pageblockOrder} pages, its dominant class, darker the more of it is allocated; band: pageblock migratetype`;
  out.push(`<text x="0" y="${top + 2 * 16 + 8}">${escapeXml(note)}</text>`);
  return out.join("\n");
}

/**
 * The strip as an SVG: a rect with a <title> per cell, a band under each row in the pageblocks'
 * migratetype colours (a rect per pageblock, or per run of one type on per-pageblock maps), and a
 * legend. Per-pageblock cells are shaded by the share of the pageblock allocated. Cells holding a
 * marked pfn get a thick outline.
 */
export function memoryMapSvg(map: MemoryMap, options: { marks?: readonly number[] } = {}): string {
  const g = SVG_GEOMETRY;
  const marked = markedCells(map, options.marks ?? []);
  const rows = Math.ceil(map.cells.length / g.perLine);
  const width = g.left + g.perLine * g.pitch + 4;
  const legendTop = rows * g.row + 8;
  const height = legendTop + g.legendHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="memory-map" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="9">`,
  ];
  for (let r = 0; r < rows; r++) {
    const first = r * g.perLine;
    const row = map.cells.slice(first, first + g.perLine);
    const y = r * g.row;
    out.push(`<text x="0" y="${y + 8}">${hexPfn(row[0]?.pfn ?? 0)}</text>`);
    row.forEach((cell, i) => {
      const x = g.left + i * g.pitch;
      const shade =
        map.unit === "page" || !ALLOCATED.has(cell.cls)
          ? ""
          : ` fill-opacity="${(0.3 + (0.7 * cell.used) / cell.pages).toFixed(2)}"`;
      const ev = marked.has(first + i) ? ` stroke="#000" stroke-width="2"` : "";
      out.push(
        `<rect x="${x}" y="${y}" width="${g.cell}" height="${g.cell}" fill="${CLASS_FILL[cell.cls]}"${shade}${ev}><title>${escapeXml(cell.title)}</title></rect>`,
      );
    });
    let i = 0;
    while (i < row.length) {
      const start = row[i] as MapCell;
      let j = i + 1;
      while (
        j < row.length &&
        (map.unit === "page"
          ? (row[j] as MapCell).pageblock === start.pageblock
          : (row[j] as MapCell).pageblockMt === start.pageblockMt)
      )
        j++;
      const title = bandTitle(map, start, row[j - 1] as MapCell);
      out.push(
        `<rect x="${g.left + i * g.pitch}" y="${y + g.pitch}" width="${(j - i) * g.pitch - 1}" height="${g.band}" fill="${mtFill(start.pageblockMt)}"><title>${escapeXml(title)}</title></rect>`,
      );
      i = j;
    }
  }
  out.push(memoryMapSvgLegend(map, legendTop));
  out.push("</svg>");
  return out.join("\n");
}
