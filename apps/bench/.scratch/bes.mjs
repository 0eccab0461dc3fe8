import { initBackend } from '@flow/runtime';
import { loadVelocityModel } from '@flow/trainer';
import { trainBespoke } from '@flow/solvers';
await initBackend('wasm');
const m = await loadVelocityModel('/tmp/pcal/runs/independent-s0', { weights: '/tmp/pcal/runs/independent-s0/ema/ema-0.050-000000080.safetensors' });
const [base, nfe, it, batch, tol] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6])];
const t0 = performance.now();
const r = trainBespoke(m.velocity, { base, nfe, shape: m.shape, iterations: it, batch, validationSamples: batch, testSamples: 32, patience: 4, rtol: tol, atol: tol, seed: 1, onIteration: (i) => console.log(i.phase, i.iteration, i.loss.toExponential(3), i.validationRmse.toExponential(3), i.seconds.toFixed(1)) });
console.log(base, nfe, 'seconds', r.seconds.toFixed(1), 'gtNfe', r.groundTruthNfe, 'heldout', r.heldOut, r.phases);
