import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["model/**/*.test.ts", "properties/**/*.test.ts", "regressions/**/*.test.ts", "cli/**/*.test.ts"],
    // Property tests dominate the run; a few seconds per file is normal, a minute is a budget bug.
    testTimeout: 120_000,
    coverage: {
      provider: "v8",
      include: ["model/**/*.ts", "properties/**/*.ts", "cli/**/*.ts"],
      reporter: ["text", "json-summary"],
    },
  },
});
