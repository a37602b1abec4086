import { defineConfig } from 'vitest/config';

// `npm test`: everything that needs nothing but Node (embedded adapters, chDB).
// Forks, not threads: chDB binds one data directory per process, so each test file gets its own.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.services.test.ts', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
