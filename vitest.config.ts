// Vitest: every suite under test/. Some suites run the real Helm binaries (and build the chart into
// temporary folders), so timeouts are generous; forks isolate suites that spawn processes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-cluster suite is its own step (vitest.real-cluster.config.ts).
    exclude: ['test/real-cluster/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
