import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * One vitest configuration for every package: resolve sibling packages from source
 * (the `@softshare/source` export condition) and write a JSON report that `.ci/run`
 * adds up into its `N passed, N failed` line.
 */
export function sharedVitestConfig(packageDir: string): ViteUserConfig {
  const conditions = ['@softshare/source', ...defaultServerConditions];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@softshare/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters: ['default', 'json'],
      outputFile: { json: fileURLToPath(new URL(`./reports/${basename(packageDir)}.json`, import.meta.url)) },
    },
  });
}
