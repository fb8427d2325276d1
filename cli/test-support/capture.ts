/**
 * Helpers for CLI tests: a temporary project directory, a context that captures what a command
 * prints, and the real entry point run as a child process.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import type { CommandContext } from "../commands/context.js";

/** The repository root (the directory holding cli/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The `gfpcheck` executable, as `npm install` links it. */
export const BIN = join(REPO_ROOT, "cli", "bin.js");

/** A new empty directory under the system's temporary directory. */
export function tempRoot(prefix = "gfpcheck-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/**
 * A maker of empty temporary directories for one test file, all removed after its last test
 * (call it at the top level of the file: it registers the afterAll hook).
 */
export function tempRoots(prefix: string): () => string {
  const roots: string[] = [];
  afterAll(() => roots.forEach(removeRoot));
  return () => {
    const dir = tempRoot(prefix);
    roots.push(dir);
    return dir;
  };
}

export interface Captured {
  readonly out: string[];
  readonly err: string[];
  readonly progress: string[];
}

/** A context whose root is `root` and whose output is kept in `captured`; progress is plain lines. */
export function captureContext(
  root: string,
): CommandContext & { readonly interactive: false; readonly captured: Captured } {
  const captured: Captured = { out: [], err: [], progress: [] };
  return {
    root,
    interactive: false,
    captured,
    out: (line) => captured.out.push(line),
    err: (line) => captured.err.push(line),
    progress: (line) => captured.progress.push(line),
  };
}

/** All lines written to a stream (a pushed string may hold several lines). */
export function linesOf(chunks: readonly string[]): string[] {
  return chunks.flatMap((chunk) => chunk.split("\n"));
}

export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `node cli/bin.js ...args` in `cwd`, as a user would, with CI-like plain output. */
export function runGfpcheck(args: readonly string[], cwd: string, timeoutMs = 60_000): ProcessResult {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - started };
}

/** runGfpcheck without blocking, so independent runs can go side by side. */
export function runGfpcheckAsync(args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolvePromise({ status, stdout, stderr, ms: performance.now() - started }));
  });
}
