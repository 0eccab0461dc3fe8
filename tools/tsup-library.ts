import { defineConfig, type Options } from 'tsup';

/** The build every published library shares: ESM + CJS + per-format declarations, for Node 20. */
export const libraryOptions: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
};

export function libraryConfig(overrides: Options = {}) {
  return defineConfig({ ...libraryOptions, ...overrides });
}
