import { defineConfig } from 'tsup';

// The library is published as ESM and CommonJS with type declarations for
// both; the CLI is ESM only.
export default defineConfig([
  {
    entry: { index: 'lib/index.ts', 'node-rs-hasher': 'lib/accounts/node-rs-hasher.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    splitting: false,
  },
  {
    entry: { 'cli/main': 'lib/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    splitting: false,
  },
]);
