import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Nest's decorators (test/nestjs*.test.ts): TypeScript's experimentalDecorators and
  // emitDecoratorMetadata, as a Nest app compiles them; no other test uses decorators.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The JSON file gives scripts/test.mjs the vitest part of its closing line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
    // Most files wait on sockets, child processes and Redis rather than the CPU: three
    // workers on two cores keep both busy (one worker left the suite serial, 200 s).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      // Over core's sources only: the queue packages' tests run core's built code, which v8
      // does not map back to src, so core's queue-worker side has unit tests of its own
      // (packages/core/test/job-runner, job-telemetry, outage, shutdown).
      thresholds: { lines: 95, statements: 95, functions: 95, branches: 90 },
    },
  },
})
