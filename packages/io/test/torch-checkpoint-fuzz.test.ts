import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@flow/random';
import { parseTorchCheckpoint, TorchCheckpointError } from '../src/index';
import { readZip, writeZip } from '../src/zip';

// Seeded mutation fuzzing: every damaged file must either parse or fail with the package's input error,
// never with a RangeError/TypeError, a hang, or a huge allocation.
const dir = join(__dirname, 'fixtures', 'torch');

function mutate(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = Buffer.from(bytes);
  const at = rng.int(out.length);
  switch (rng.int(5)) {
    case 0: // flip bits in a few bytes
      for (let k = 0; k < 1 + rng.int(4); k++) out[(at + k * 7) % out.length] ^= 1 << rng.int(8);
      return out;
    case 1: // truncate
      return out.subarray(0, at);
    case 2: // insert random bytes
      return Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.int(8) }, () => rng.int(256))), out.subarray(at)]);
    case 3: // a run of 0xff (huge lengths, indices)
      out.fill(0xff, at, Math.min(out.length, at + 1 + rng.int(8)));
      return out;
    default: // a random byte anywhere (often a different opcode)
      out[at] = rng.int(256);
      return out;
  }
}

function expectInputErrorOrValue(bytes: Uint8Array, what: string): 'ok' | 'refused' {
  try {
    parseTorchCheckpoint(bytes, what);
    return 'ok';
  } catch (error) {
    if (!(error instanceof TorchCheckpointError)) throw new Error(`${what}: ${(error as Error).name}: ${(error as Error).message}`);
    return 'refused';
  }
}

describe('torch checkpoint reader under mutation', () => {
  it('survives 300 mutations of the archive bytes', () => {
    const bytes = readFileSync(join(dir, 'state-dict.pt'));
    const rng = new Rng(1234);
    const counts = { ok: 0, refused: 0 };
    for (let i = 0; i < 300; i++) counts[expectInputErrorOrValue(mutate(bytes, rng), `zip mutation ${i}`)]++;
    expect(counts.refused).toBeGreaterThan(0);
  });

  it('survives 400 mutations of the pickle inside an intact archive', () => {
    const entries = readZip(readFileSync(join(dir, 'state-dict-protocol4.pt')));
    const pkl = entries.findIndex((e) => e.name.endsWith('/data.pkl'));
    const rng = new Rng(99);
    const counts = { ok: 0, refused: 0 };
    for (let i = 0; i < 400; i++) {
      const copy = entries.map((e, k) => (k === pkl ? { name: e.name, data: mutate(e.data, rng) } : e));
      counts[expectInputErrorOrValue(writeZip(copy, false), `pickle mutation ${i}`)]++;
    }
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });

  it('survives 300 mutations of a legacy-format file', () => {
    const bytes = readFileSync(join(dir, 'state-dict-legacy.pt'));
    const rng = new Rng(7);
    for (let i = 0; i < 300; i++) expectInputErrorOrValue(mutate(bytes, rng), `legacy mutation ${i}`);
  });
});
