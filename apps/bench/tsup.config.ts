import { defineConfig } from 'tsup';
import { flowVersionsDefine } from '../../tools/flow-versions.mjs';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  define: flowVersionsDefine(__dirname),
  banner: { js: '#!/usr/bin/env node' },
});
