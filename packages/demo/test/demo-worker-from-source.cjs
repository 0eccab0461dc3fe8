// The demo worker from its TypeScript source (tests fork this instead of the built dist/demo-worker.js).
require('../../../tools/register-ts-sources.cjs');
require('../src/demo-worker.ts');
