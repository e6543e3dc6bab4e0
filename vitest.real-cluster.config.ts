// Vitest for the real-cluster suite (test/real-cluster/): each file starts its own sandboxes (an
// API server, kube-router, one network namespace per pod; each sandbox is isolated in its own
// network namespaces, so two files run side by side), and the suite runs as its own step of
// `npm test`, after the unit suites (scripts/test.ts), so it never competes with them.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/real-cluster/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
