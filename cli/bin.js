#!/usr/bin/env node
// The `gfpcheck` executable: loads cli/entry.ts through tsx's loader (Node 20 cannot run .ts).
import { register } from "tsx/esm/api";

register();
await import("./entry.ts");
