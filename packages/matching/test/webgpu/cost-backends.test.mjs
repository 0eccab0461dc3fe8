// WebGPU cost kernels (WGSL and gpu.js) against a float64 reference, on whatever adapter answers; in CI that is
// Mesa's software Vulkan driver, which checks correctness only. Run by tools/webgpu-runtime/run-tests.mjs.
// Float32 tolerance: relative 2e-5 of max(1, |reference|).
import assert from 'node:assert/strict';
import { Rng } from '@flow/random';
import { computeCostMatrix, listCostBackends } from '../../dist/index.js';

// The CPU engine `auto` prefers to a software adapter: native where @flow/native's addon built, else wasm.
const nativeBuilt = await import('@flow/native').then((m) => m.isNativeAvailable(), () => false);

function reference(x, z, rows, cols, dim) {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (x[i * dim + k] - z[j * dim + k]) ** 2;
      out[i * cols + j] = s;
    }
  return out;
}

const SHAPES = [
  [1, 1, 1],
  [5, 1, 3],
  [7, 13, 3],
  [17, 9, 784],
  [33, 29, 785],
  [101, 67, 2100],
];
const software = process.env.FLOW_WEBGPU_SOFTWARE === '1';

export const tests = [];
for (const name of ['webgpu', 'gpujs-webgpu']) {
  tests.push({
    name: `${name}: available, names its adapter`,
    async run() {
      const info = (await listCostBackends()).find((b) => b.name === name);
      assert.equal(info?.available, true, info?.reason);
      assert.ok(info.reason.includes(process.env.FLOW_WEBGPU_ADAPTER.split(' (')[0]), info.reason);
      assert.equal(info.software === true, software);
    },
  });
  tests.push({
    name: `${name}: equals the float64 reference on odd sizes, offset data included`,
    async run() {
      const rng = new Rng(77);
      for (const [rows, cols, dim] of SHAPES) {
        for (const [offset, scale] of [
          [0, 1],
          [3, 0.5],
        ]) {
          const x = Float32Array.from(rng.fillNormal(new Float64Array(rows * dim)), (v) => offset + scale * v);
          const z = Float32Array.from(rng.fillNormal(new Float64Array(cols * dim)), (v) => 1.1 * offset + scale * v);
          const ref = reference(x, z, rows, cols, dim);
          const res = await computeCostMatrix(x, z, rows, cols, dim, { backend: name });
          assert.equal(res.backend, name);
          let worst = 0;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(res.cost[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
          assert.ok(worst < 2e-5, `${rows}x${cols}x${dim} offset ${offset}: worst relative error ${worst}`);
        }
      }
    },
  });
}
tests.push({
  name: 'auto never picks a software adapter over the CPU engines',
  async run() {
    const x = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i));
    const res = await computeCostMatrix(x, x, 20, 20, 3);
    if (software) {
      assert.equal(res.backend, nativeBuilt ? 'native' : 'wasm');
      assert.match(res.reason, /software adapter, slower than wasm/);
    } else assert.equal(res.backend, 'webgpu');
  },
});
