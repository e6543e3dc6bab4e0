// Vitest: every suite under test/. Some suites run the real Helm binaries (and build the chart into
// temporary folders), so timeouts are generous; forks isolate suites that spawn processes.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-cluster suite is its own step (vitest.real-cluster.config.ts).
    exclude: ['test/real-cluster/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine,
    // where most files wait on the Helm, Node and npm processes they spawn. Two files at a time
    // there (the longest first: Vitest orders files by their last duration).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
