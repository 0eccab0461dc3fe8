import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '@flow/runtime';
import { readSafetensors } from '@flow/io';
import { resume, RunDirectory, train, type TrainOptions } from '../src/index';

const base = (out: string): TrainOptions => ({
  dataset: 'two-mode-2d',
  model: 'mlp',
  hidden: 32,
  layers: 2,
  coupling: 'independent',
  batch: 64,
  steps: 20,
  seed: 7,
  checkpointEvery: 5,
  keepCheckpoints: 10,
  emaEvery: 5,
  out,
});

const quiet = { progress: false, log: () => undefined };

const listCheckpoints = (dir: string) => new RunDirectory(dir).listCheckpoints();
const logLosses = (dir: string) => new RunDirectory(dir).readLog().map((e) => e.loss);

function paramBytes(file: string): Buffer {
  const c = new RunDirectory(path.dirname(path.dirname(file))).readCheckpoint(file);
  const parts: Buffer[] = [];
  for (const name of Object.keys(c.net.params).sort()) {
    const d = c.net.params[name].data as Float32Array;
    parts.push(Buffer.from(name), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  for (const name of Object.keys(c.net.adamV).sort()) {
    const d = c.net.adamV[name].data as Float32Array;
    parts.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return Buffer.concat(parts);
}

describe('resumable training', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend('cpu');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-trainer-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('20 steps equal 10 steps + resume to 20, byte for byte', async () => {
    const full = path.join(tmp, 'full');
    const split = path.join(tmp, 'split');
    const a = await train(base(full), quiet);
    expect(a.steps).toBe(20);
    expect(Number.isFinite(a.final_loss)).toBe(true);
    await train({ ...base(split), steps: 10 }, quiet);
    expect(listCheckpoints(split)[0].step).toBe(10);
    const b = await resume(split, 20, quiet);
    expect(b.startStep).toBe(10);
    const fa = listCheckpoints(full)[0];
    const fb = listCheckpoints(split)[0];
    expect(fa.step).toBe(20);
    expect(fb.step).toBe(20);
    expect(paramBytes(fb.file).equals(paramBytes(fa.file))).toBe(true);
    // the logs agree too (same losses at the same steps)
    expect(logLosses(split)).toEqual(logLosses(full));
    // and so do the EMA snapshots (through @flow/ema), tensor for tensor
    const emaA = new RunDirectory(full).emaDir;
    const emaB = new RunDirectory(split).emaDir;
    const snaps = readdirSync(emaA).filter((n) => n.endsWith('.safetensors')).sort();
    expect(snaps.length).toBe(8); // 2 sigma_rels x steps 5, 10, 15, 20
    expect(readdirSync(emaB).filter((n) => n.endsWith('.safetensors')).sort()).toEqual(snaps);
    for (const name of snaps) {
      const ta = readSafetensors(path.join(emaA, name)).tensors;
      const tb = readSafetensors(path.join(emaB, name)).tensors;
      for (const k of Object.keys(ta)) expect(Buffer.from((tb[k].data as Float32Array).buffer).equals(Buffer.from((ta[k].data as Float32Array).buffer))).toBe(true);
    }
  });

  it('checkpoints and summaries name the engine the caller ran on, not tfjs\'s backend name', async () => {
    const dir = path.join(tmp, 'engine');
    // `native` runs on tfjs's wasm backend: tf.getBackend() would say 'wasm'; the caller passes the engine's name
    const a = await train({ ...base(dir), steps: 5, backendName: 'engine-a' }, quiet);
    expect(a.backend).toBe('engine-a');
    const run = new RunDirectory(dir);
    expect(run.readCheckpoint(listCheckpoints(dir)[0].file).backend).toBe('engine-a');
    const notes: string[] = [];
    const b = await resume(dir, 10, { progress: false, log: (m: string) => notes.push(m) }, 'engine-b');
    expect(b.backend).toBe('engine-b');
    expect(run.readConfig().backend).toBe('engine-a');
    expect(run.readCheckpoint(listCheckpoints(dir)[0].file).backend).toBe('engine-b');
    expect(notes.some((m) => m.includes("written on backend 'engine-a', continuing on 'engine-b'"))).toBe(true);
  });

  it('a run killed mid-write resumes from the last good checkpoint', async () => {
    const full = path.join(tmp, 'full');
    const killed = path.join(tmp, 'killed');
    await train({ ...base(killed), steps: 10 }, quiet);
    const dir = new RunDirectory(killed).checkpointDir;
    // a stray temp file of an interrupted atomic write, and a truncated "newer" checkpoint
    const newer = new RunDirectory(killed).checkpointFile(15);
    writeFileSync(path.join(dir, `.${path.basename(newer)}.tmp-123-abc`), Buffer.alloc(100, 7));
    const good = listCheckpoints(killed)[0].file;
    const bytes = readFileSync(good);
    writeFileSync(newer, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const skipped: string[] = [];
    const r = await resume(killed, 20, { progress: false, log: (m) => skipped.push(m) });
    expect(r.startStep).toBe(10);
    expect(skipped.some((m) => m.includes(path.basename(newer)))).toBe(true);
    expect(paramBytes(listCheckpoints(killed)[0].file).equals(paramBytes(listCheckpoints(full)[0].file))).toBe(true);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-')).length).toBe(1); // ignored, not read
  });
});
