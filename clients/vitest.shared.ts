import { defineConfig } from "vitest/config";

// Both client suites run one file at a time against one stack. PHYGHT_TEST_RESULTS (set by the xunit test that runs
// a suite against the stack) adds a JUnit report there, which .ci/run counts with the TRX results.
const results = process.env.PHYGHT_TEST_RESULTS;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: results ? ["default", "junit"] : ["default"],
    outputFile: results ? { junit: results } : undefined,
  },
});
