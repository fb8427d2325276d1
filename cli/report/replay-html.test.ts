import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../../model/gfp.js";
import { builtinPolicy, type Policy } from "../../model/policies/index.js";
import type { RegressionCase } from "../../properties/regression-file.js";
import { loadRegression } from "../../properties/regression-store.js";
import { REPO_ROOT } from "../test-support/capture.js";
import { memoryMapSvg } from "./memory-map.js";
import { PAGE_MAP_RENDERER, replayHtml, replayMapData } from "./replay-html.js";
import { type Replay, replayCase } from "./replay-model.js";

function policy(id: string): Policy {
  const found = builtinPolicy(id);
  if (found === undefined) throw new Error(`no built-in policy ${id}`);
  return found;
}

function replayOf(name: string): Replay {
  const file = join("regressions", name);
  const c = loadRegression(join(REPO_ROOT, file));
  return replayCase(file, c, policy(c.policy), true);
}

/** A case on a zone of 2048 pages: one map cell per pageblock. */
function largeZoneReplay(): Replay {
  const c: RegressionCase = {
    name: "large zone",
    description: "three allocations on a 2048-page zone",
    property: "alignment",
    policy: "baseline",
    config: { zone: { nrPages: 2048, maxPageOrder: 6, pageblockOrder: 3, nrCpus: 2, pcpBatch: 4, pcpHigh: 16 } },
    expected: "holds",
    violation: null,
    provenance: null,
    ops: [
      { kind: "alloc", order: 3, gfp: GFP_KERNEL, cpu: 0 },
      { kind: "alloc", order: 0, gfp: GFP_HIGHUSER_MOVABLE, cpu: 0 },
      { kind: "alloc", order: 2, gfp: GFP_HIGHUSER_MOVABLE, cpu: 1, use: "pgtable" },
    ],
  };
  return replayCase("large.json", c, policy("baseline"), true);
}

type RenderMap = (data: unknown, state: unknown) => string;
const renderMap = new Function(`${PAGE_MAP_RENDERER}\nreturn renderMap;`)() as RenderMap;

/** The maps memoryMapSvg() draws for the states of a replay, as the page lays them out. */
function expectedSvgs(replay: Replay): string[] {
  const evidence = replay.violations.flatMap((v) => v.pages);
  const svgs = [
    memoryMapSvg(replay.initial.map),
    ...replay.steps.map((s) => memoryMapSvg(s.after.map, { marks: replay.failedAt === s.index ? evidence : [] })),
  ];
  const last = replay.steps[replay.steps.length - 1]?.after ?? replay.initial;
  return evidence.length === 0 ? svgs : [...svgs, memoryMapSvg(last.map, { marks: evidence })];
}

describe("the page's map renderer draws what memoryMapSvg() draws", () => {
  const cases: [string, () => Replay][] = [
    ["per page, evidence on the failing step (no-leaks, lost pages)", () => replayOf("no-leaks--aac078d0a06f.json")],
    ["per page, 30 steps (bounded-compaction)", () => replayOf("bounded-compaction--1725036e1650.json")],
    ["per pageblock (2048 pages)", largeZoneReplay],
  ];
  for (const [what, make] of cases) {
    it(what, () => {
      const replay = make();
      // Through JSON, as the page reads it.
      const data = JSON.parse(JSON.stringify(replayMapData(replay))) as { states: unknown[] };
      const expected = expectedSvgs(replay);
      expect(data.states).toHaveLength(expected.length);
      data.states.forEach((state, i) => {
        expect(renderMap(data, state)).toBe(expected[i]);
      });
    });
  }
});

/** Just enough DOM for the page's script: elements by id, the state sections, their map divs. */
function fakeDocument(html: string) {
  const element = (attrs: Record<string, string> = {}) => {
    const listeners: Record<string, (() => void)[]> = {};
    return {
      hidden: false,
      value: attrs.value ?? "",
      textContent: attrs.textContent ?? "",
      innerHTML: "",
      attrs,
      children: [] as unknown[],
      getAttribute: (name: string) => attrs[name] ?? null,
      setAttribute: (name: string, value: string) => {
        attrs[name] = value;
      },
      addEventListener: (type: string, fn: () => void) => {
        listeners[type] = [...(listeners[type] ?? []), fn];
      },
      fire: (type: string) => {
        for (const fn of listeners[type] ?? []) fn();
      },
      querySelector: (_selector: string): unknown => null,
    };
  };
  type El = ReturnType<typeof element>;
  const data = /<script type="application\/json" id="replay-data">([^<]*)<\/script>/.exec(html)?.[1] ?? "";
  const slider = /<input type="range" id="step" [^>]*value="(\d+)"/.exec(html)?.[1] ?? "";
  const byId: Record<string, El> = {
    "replay-data": element({ textContent: data }),
    step: element({ value: slider }),
    "step-label": element(),
    prev: element(),
    next: element(),
  };
  const sections: El[] = [];
  const sectionRe = /<section class="state[^"]*" id="state-(\d+)" data-label="([^"]*)"[^>]*>([\s\S]*?)<\/section>/g;
  for (const m of html.matchAll(sectionRe)) {
    const section = element({ "data-label": m[2] ?? "" });
    const state = /<div class="map" data-state="(\d+)">/.exec(m[3] ?? "")?.[1];
    const map = state === undefined ? null : element({ "data-state": state });
    section.querySelector = () => map;
    sections.push(section);
  }
  const evidence = /<div class="map" id="evidence-map" data-state="(\d+)">/.exec(html)?.[1];
  if (evidence !== undefined) byId["evidence-map"] = element({ "data-state": evidence });
  const document = {
    getElementById: (id: string) => byId[id] ?? null,
    querySelectorAll: (selector: string) => (selector === "section.state" ? sections : []),
  };
  return { document, byId, sections };
}

function pageScript(html: string): string {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
  expect(scripts).toHaveLength(1);
  return scripts[0] ?? "";
}

describe("replayHtml", () => {
  it("is one self-contained, deterministic page", () => {
    const html = replayHtml(replayOf("coalescing--4107910c352c.json"));
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html).not.toMatch(/\ssrc=|<link rel="stylesheet"|href="(?!data:)|@import|url\(/);
    expect(replayHtml(replayOf("coalescing--4107910c352c.json"))).toBe(html);
    // A section per state, the last one (the failing step) shown first.
    expect(html.match(/<section class="state/g)).toHaveLength(4);
    expect(html).toContain('<input type="range" id="step" min="0" max="3" value="3"');
    expect(html).toContain('<section class="state failing" id="state-3" data-label="step 2: drain_all_pages">');
    expect(html).toContain("mm_page_pcpu_drain: ");
    expect(html).toContain("Node 0, zone   Normal ");
  });

  it("its script runs: shows the selected step, draws its map, follows the slider and the buttons", () => {
    const replay = replayOf("coalescing--4107910c352c.json");
    const html = replayHtml(replay);
    const { document, byId, sections } = fakeDocument(html);
    new Function("document", pageScript(html))(document);
    const svgs = expectedSvgs(replay);
    const visible = () => sections.map((s) => !s.hidden);
    const mapOf = (i: number) => sections[i]?.querySelector("div.map") as { innerHTML: string };
    expect(visible()).toEqual([false, false, false, true]);
    expect(mapOf(3).innerHTML).toBe(svgs[3]);
    expect(byId["step-label"]?.textContent).toBe("step 2: drain_all_pages");
    expect((byId["evidence-map"] as { innerHTML: string }).innerHTML).toBe(svgs[4]);
    const slider = byId.step;
    if (slider === undefined) throw new Error("no slider");
    slider.value = "0";
    slider.fire("input");
    expect(visible()).toEqual([true, false, false, false]);
    expect(mapOf(0).innerHTML).toBe(svgs[0]);
    expect(byId["step-label"]?.textContent).toBe("initial state");
    byId.prev?.fire("click");
    expect(slider.value).toBe("0");
    byId.next?.fire("click");
    expect(visible()).toEqual([false, true, false, false]);
    expect(mapOf(1).innerHTML).toBe(svgs[1]);
  });

  it("keeps a 30-step case small: the maps are data, not markup", () => {
    const html = replayHtml(replayOf("bounded-compaction--1725036e1650.json"));
    expect(html.length).toBeLessThan(300_000);
  });
});
