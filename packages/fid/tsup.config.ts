import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // __dirname in the ESM build (the MNIST weights are found relative to the module).
  shims: true,
  tsconfig: 'tsconfig.build.json',
});
