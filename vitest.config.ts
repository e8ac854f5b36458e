import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@': path.resolve(import.meta.dirname) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['server/**/*.unit.spec.ts', 'tests/**/*.unit.spec.ts', 'components/**/*.unit.spec.ts'] },
      },
      {
        resolve: { alias },
        test: {
          name: 'int',
          include: ['tests/**/*.int.spec.ts', 'server/**/*.int.spec.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
    ],
  },
});
