import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships index.mjs (package "module") beside index.js ("main") with no "exports" map. Vite would
    // give our sources index.mjs while Node gives the externalised packages (Yoga, Pothos) index.js: two
    // GraphQLError classes, so every BAD_USER_INPUT error got masked as internal, and two realms for schema
    // types. Pin the one Node itself resolves, as in production.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Integration tests start servers and PostgreSQL databases: give them room on a busy 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
