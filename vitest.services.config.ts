import { defineConfig } from 'vitest/config';

// `npm run test:services`: the same contract / integration / e2e suites against real servers.
// Each suite fails (never skips) when the server it needs is not configured or not answering.
export default defineConfig({
  test: {
    include: ['test/**/*.services.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
