// flow on the WebGPU adapter, end to end (in CI: Mesa's software Vulkan driver). Each command is started
// through tools/webgpu-runtime/node, as Dawn needs. Run by tools/webgpu-runtime/run-tests.mjs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, writeNpy, ndarray } from '@flow/io';
import { Rng } from '@flow/random';

// The CPU engine `auto` prefers to a software adapter: native where @flow/native's addon built, else wasm.
const nativeBuilt = await import('@flow/native').then((m) => m.isNativeAvailable(), () => false);

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');
const main = join(root, 'apps/cli/dist/main.js');
const wrapper = join(root, 'tools/webgpu-runtime/node');
const work = mkdtempSync(join(tmpdir(), 'flow-webgpu-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function flow(args, timeoutMs = 240000) {
  const r = spawnSync(wrapper, [main, ...args], { encoding: 'utf8', timeout: timeoutMs });
  // A process that does not end by itself is the bug this guards against: spawnSync's timeout kills it.
  assert.notEqual(r.signal, 'SIGTERM', `flow ${args.join(' ')} did not exit within ${timeoutMs} ms`);
  return r;
}

function noValidationErrors(stderr) {
  assert.doesNotMatch(stderr, /Invalid (ComputePipeline|CommandBuffer|BindGroup)|validation:/, stderr.slice(0, 2000));
}

export const tests = [
  {
    name: 'flow train --backend webgpu lowers the loss, logs no WebGPU validation error and exits; flow sample reads asynchronously',
    async run() {
      const run = join(work, 'run');
      const r = flow(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--steps', '40', '--backend', 'webgpu', '--out', run, '--json']);
      assert.equal(r.status, 0, r.stderr);
      noValidationErrors(r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.backend, 'webgpu');
      assert.ok(out.final_loss < out.initial_loss, `loss ${out.initial_loss} -> ${out.final_loss}`);
      const s = flow(['sample', '--model', run, '--solver', 'heun', '--nfe', '8', '--count', '64', '--backend', 'webgpu', '--out', join(work, 's.npy'), '--json']);
      assert.equal(s.status, 0, s.stderr);
      noValidationErrors(s.stderr);
      const samples = await readNpy(join(work, 's.npy'));
      assert.deepEqual(samples.shape, [64, 2]);
      assert.ok(Array.from(samples.data).every(Number.isFinite));
    },
  },
  {
    name: 'flow match --cost-backend gpujs-webgpu and webgpu return the exact optimum of the wasm cost',
    async run() {
      const rng = new Rng(11);
      const n = 97;
      const dim = 5;
      await writeNpy(join(work, 'x.npy'), ndarray('float32', [n, dim], rng.fillNormal(new Float32Array(n * dim))));
      await writeNpy(join(work, 'z.npy'), ndarray('float32', [n, dim], rng.fillNormal(new Float32Array(n * dim))));
      const totals = {};
      for (const backend of ['wasm', 'gpujs-webgpu', 'webgpu']) {
        const r = flow(['match', '--data', join(work, 'x.npy'), '--noise', join(work, 'z.npy'), '--out', join(work, `p-${backend}.npy`), '--cost-backend', backend, '--precision', 'float32', '--json']);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.cost_backend, backend);
        assert.equal(out.optimal, true);
        totals[backend] = out.total_cost;
      }
      for (const b of ['gpujs-webgpu', 'webgpu']) assert.ok(Math.abs(totals[b] - totals.wasm) <= 1e-5 * totals.wasm, `${b} ${totals[b]} vs wasm ${totals.wasm}`);
    },
  },
  {
    name: '--backend auto names the adapter it saw and never prefers a software one to the CPU engines',
    async run() {
      const r = flow(['train', '--dataset', 'two-mode-2d', '--model', 'mlp', '--steps', '2', '--backend', 'auto', '--out', join(work, 'auto'), '--json']);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      if (process.env.FLOW_WEBGPU_SOFTWARE === '1') {
        assert.equal(out.backend, nativeBuilt ? 'native' : 'wasm');
        assert.match(r.stderr, /webgpu: the only adapter is a software one, llvmpipe|webgpu: .*software/);
      } else assert.equal(out.backend, 'webgpu');
    },
  },
];
