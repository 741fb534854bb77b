import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS entry (it has no "exports"), and so do @graphql-tools and Apollo; Vite
    // would pick its ESM build for our own imports. One copy, as in production: `instanceof` checks hold.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real HTTP servers on loopback; keep them off each other's ports by using port 0.
    testTimeout: 20_000,
    // A stack (PGlite, four emulators, a server) starts in about a second, but in many more on a loaded machine.
    hookTimeout: 60_000,
  },
});
