import { libraryConfig } from '../../tools/tsup-library';

// The worker is its own entry: the demo forks it (dist/demo-worker.js beside dist/index.js), so it runs from
// the installed package. shims: __filename in the ESM build (the worker is found relative to the module).
export default libraryConfig({ entry: ['src/index.ts', 'src/demo-worker.ts'], shims: true });
