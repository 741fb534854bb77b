import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real HTTP servers on loopback; keep them off each other's ports by using port 0.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
