import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Integration tests share one broker and one MariaDB; running files one at a time keeps the
    // 2-core machine from timing out JVM-backed services.
    fileParallelism: false,
    pool: 'forks',
  },
});
