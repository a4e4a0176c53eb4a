import type { ViteUserConfig } from 'vitest/config';

type TestConfig = NonNullable<ViteUserConfig['test']>;

// Every package runs its tests with these settings, so a hung test fails within
// bounded time instead of eating the CI budget, and .ci/run can count real results.
export const sharedTestConfig: TestConfig = {
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  teardownTimeout: 15_000,
  passWithNoTests: true,
  reporters: ['default', ['json', { outputFile: '.vitest/report.json' }]],
};
