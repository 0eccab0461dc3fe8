import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, encodeNpz, ndarray, parseNpy, type NdArray } from '@flow/io';
import { Rng } from '@flow/random';
import { describeFailures, fuzz, type FuzzTarget } from '../../../packages/io/test/fuzz-harness';
import { runCaptured } from './run-captured';

// The CLI end of the reader contract: mutated input files give exit 0 with a complete output, or exit 2 with
// one line on stderr and no output file and no temporary file left; never exit 1 or a throw.
const CASES = Number(process.env.FLOW_FUZZ_CASES ?? 400);
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'flow-cli-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const isRefusal = (e: unknown): boolean => (e as { refused?: boolean }).refused === true;

/** A fuzz target that writes the mutated bytes to `input` and runs a command on it (output file `outName`). */
function commandTarget(name: string, seeds: Uint8Array[], input: string, outName: string, argv: (input: string, out: string) => string[], outputOk: (out: string) => boolean): FuzzTarget {
  const file = join(dir, input);
  const outDir = join(dir, `${input}-out`);
  return {
    name,
    seeds,
    isInputError: isRefusal,
    read: async (bytes) => {
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir);
      writeFileSync(file, bytes);
      const out = join(outDir, outName);
      const r = await runCaptured(argv(file, out));
      const left = readdirSync(outDir);
      if (r.code === 0) {
        if (!outputOk(out) || left.length !== 1) throw new Error(`exit 0 but the output is missing or incomplete (${left.join(', ')})`);
        return 0;
      }
      if (r.code !== 2) throw new Error(`exit ${r.code}: ${r.err.trim()}`);
      if (r.err.split('\n').length !== 2) throw new Error(`exit 2 with ${r.err.split('\n').length - 1} lines on stderr: ${r.err}`);
      if (left.length > 0) throw new Error(`exit 2 left ${left.join(', ')} behind`);
      // A refusal: hand the harness the typed error it expects.
      throw Object.assign(new Error(r.err), { refused: true });
    },
  };
}

describe('CLI fuzzing: exit 0 with a whole output, or exit 2 with one line and nothing written', () => {
  const rng = new Rng(9);
  const pts = (rows: number): NdArray => ndarray('float32', [rows, 2], rng.fillNormal(new Float32Array(rows * 2)));
  const npy = (a: NdArray): Uint8Array => encodeNpy(a);
  const noise = join(dir, 'noise.npy');

  test(`flow match --data <mutated .npy>: ${CASES} cases`, async () => {
    writeFileSync(noise, npy(pts(6)));
    const target = commandTarget('match', [npy(pts(6)), npy(ndarray('float64', [6, 2], new Float64Array(12).fill(0.5)))], 'data.npy', 'p.npy', (f, out) => ['match', '--data', f, '--noise', noise, '--out', out, '--solver', 'greedy'], (out) => parseNpy(readFileSync(out)).shape[0] === 6);
    const report = await fuzz(target, { cases: CASES, seed: 11 });
    if (report.failures.length > 0) throw new Error(describeFailures(report));
    expect(report.accepted).toBeGreaterThan(0);
  });

  test(`flow match --data <mutated .npz>: ${CASES} cases`, async () => {
    writeFileSync(noise, npy(pts(6)));
    const seeds = [encodeNpz({ x: pts(6) }), encodeNpz({ x: pts(6) }, { compress: true })];
    const target = commandTarget('match-npz', seeds, 'data.npz', 'p.npy', (f, out) => ['match', '--data', f, '--noise', noise, '--out', out, '--solver', 'greedy'], (out) => parseNpy(readFileSync(out)).shape[0] === 6);
    const report = await fuzz(target, { cases: CASES, seed: 12 });
    if (report.failures.length > 0) throw new Error(describeFailures(report));
  });

  test(`flow fid --save-stats with <mutated features .npy>: ${CASES} cases`, async () => {
    const target = commandTarget('fid --save-stats', [npy(ndarray('float32', [8, 3], rng.fillNormal(new Float32Array(24))))], 'f.npy', 's.npz', (f, out) => ['fid', '--save-stats', out, f], (out) => existsSync(out));
    const report = await fuzz(target, { cases: CASES, seed: 13 });
    if (report.failures.length > 0) throw new Error(describeFailures(report));
  });
});
