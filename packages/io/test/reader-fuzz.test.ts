import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rng } from '@flow/random';
import { ArrayFileError, encodeNpy, ndarray, parseNpy, parseNpz, readSafetensors, writeSafetensors, type NdArray } from '../src/index';
import { readZip, writeZip } from '../src/zip';
import { describeFailures, fuzz, genericMutators, type FuzzReport, type FuzzTarget, type Mutator } from './fuzz-harness';

// The reader contract under thousands of seeded mutations of valid files: a typed ArrayFileError or a
// result, never another exception, never more array bytes than the claimed-size checks allow. Each suite
// takes a few seconds; the seeds are fixed, so a failure replays exactly. For a deeper search locally:
// FLOW_FUZZ_CASES=100000 FLOW_FUZZ_SEED=7 npx jest reader-fuzz
const CASES = Number(process.env.FLOW_FUZZ_CASES ?? 3000);
const SEED = Number(process.env.FLOW_FUZZ_SEED ?? 0);
const fixtures = join(__dirname, '../../../fixtures/npy');
const isInputError = (e: unknown): boolean => e instanceof ArrayFileError && e.kind === 'input';
const arrayBytes = (arrays: NdArray[]): number => arrays.reduce((s, a) => s + a.data.byteLength, 0);

const npySeeds = readdirSync(fixtures)
  .filter((f) => f.endsWith('.npy') && !['truncated.npy', 'not_npy.npy'].includes(f))
  .map((f) => new Uint8Array(readFileSync(join(fixtures, f))));
/** Rewrites a .npy header with another dict (keeping the data), so the length field stays consistent. */
const npyHeader: Mutator = {
  name: 'npy-header',
  apply: (b: Uint8Array, rng: Rng) => {
    if (b.length < 10) return b;
    const len = b[8]! | (b[9]! << 8);
    const descr = ['<f4', '>f8', '<f2', '|b1', '|u1', '<i8', '>i4', '<U8', '|O', 'V16', '<f16', '', "f4'"][rng.int(13)];
    const dims = ['', '0', '1', '2', '3', '4', '28', '-1', '1e3', '4294967296', '9007199254740993', '99999999999999999999', 'x', ' '];
    const shape = Array.from({ length: rng.int(5) }, () => dims[rng.int(dims.length)]).join(', ');
    const order = ['False', 'True', 'None', '0'][rng.int(4)];
    const dict = `{'descr': '${descr}', 'fortran_order': ${order}, 'shape': (${shape}${rng.int(2) ? ',' : ''}), }`;
    const header = new TextEncoder().encode(dict.padEnd(Math.max(dict.length + 1, len - 1), ' ') + '\n');
    const out = new Uint8Array(10 + header.length + Math.max(0, b.length - 10 - len));
    out.set(b.subarray(0, 8));
    out[8] = header.length & 0xff;
    out[9] = header.length >> 8;
    out.set(header, 10);
    out.set(b.subarray(10 + len), 10 + header.length);
    return out;
  },
};
const npyDictionary = ["'descr'", "'shape'", "'fortran_order'", 'True', 'False', '<f4', '>f8', '<f2', '|b1', '|u1', '<i8', '<U8', '|O', 'V16', '()', '(0,)', ',', ')', '(', '{', '}', ':'];

function expectClean(report: FuzzReport): void {
  if (report.failures.length > 0) throw new Error(describeFailures(report));
  // Both outcomes happen: the mutations reach past the first check.
  expect(report.accepted).toBeGreaterThan(CASES / 50);
  expect(report.refused).toBeGreaterThan(CASES / 10);
}

const JSON_VALUES: unknown[] = [null, [], {}, 'F32', 'BF16', 'I64', 'X9', -1, 0, 1.5, 1e308, 2 ** 53, true, [0], [0, 2 ** 53], [2 ** 31, 2 ** 31], [24, 0], [-1, 3], [0, 1e400], [4294967296, 4294967296], ['2', 3], [[1]], { a: 1 }, 'x'.repeat(300)];

/** Rewrites the safetensors header JSON with one field changed (lengths kept consistent, data kept). */
const stHeader: Mutator = {
  name: 'st-header-json',
  apply: (b: Uint8Array, rng: Rng) => {
    if (b.length < 8) return b;
    const len = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
    if (8 + len > b.length) return b;
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + len))) as Record<string, unknown>;
    } catch {
      return b;
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) return b;
    const value = (): unknown => JSON_VALUES[rng.int(JSON_VALUES.length)];
    const names = Object.keys(header);
    const choice = rng.int(6);
    let next: unknown = header;
    if (choice === 0) next = value();
    else if (choice === 1 || names.length === 0) header[['__metadata__', 'extra', '__proto__'][rng.int(3)]!] = value();
    else {
      const name = names[rng.int(names.length)]!;
      const entry = header[name];
      if (choice === 2 || entry === null || typeof entry !== 'object') header[name] = value();
      else {
        const fields = ['dtype', 'shape', 'data_offsets'];
        const f = fields[rng.int(3)]!;
        if (choice === 3) delete (entry as Record<string, unknown>)[f];
        else (entry as Record<string, unknown>)[f] = value();
      }
    }
    const json = new TextEncoder().encode(JSON.stringify(next) ?? 'null');
    const out = new Uint8Array(8 + json.length + (b.length - 8 - len));
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(b.subarray(8 + len), 8 + json.length);
    return out;
  },
};

describe('reader fuzzing', () => {
  test(`npy: ${CASES} mutations of NumPy-written files`, async () => {
    const target: FuzzTarget = {
      name: 'npy',
      seeds: npySeeds,
      // float16 widens to float32: 2 bytes of array per byte of file at most.
      read: (b) => arrayBytes([parseNpy(b, 'fuzz.npy')]),
      maxOutputBytes: (n) => 2 * n,
      isInputError,
      dictionary: npyDictionary,
      mutators: [
        npyHeader,
        npyHeader,
        {
          name: 'npy-version',
          apply: (b, rng) => {
            const out = b.slice();
            if (out.length > 7) out[6] = [1, 2, 3, 4, 0, 255][rng.int(6)]!;
            return out;
          },
        },
      ],
    };
    expectClean(await fuzz(target, { cases: CASES, seed: SEED + 1 }));
  });

  test(`npz: ${CASES} mutations of plain and compressed archives, and of valid archives of mutated members`, async () => {
    const seeds = ['stats_plain.npz', 'stats_compressed.npz'].map((f) => new Uint8Array(readFileSync(join(fixtures, f))));
    const npyMutators = genericMutators(npyDictionary);
    // Rebuilt with correct CRCs, so the member parser (not only the CRC check) sees the damage.
    const rezipWith = (b: Uint8Array, rng: Rng, m: Mutator): Uint8Array => {
      let entries;
      try {
        entries = readZip(b);
      } catch {
        return b;
      }
      if (entries.length === 0) return b;
      const k = rng.int(entries.length);
      entries[k] = { name: rng.int(20) === 0 ? '__proto__.npy' : entries[k]!.name, data: m.apply(entries[k]!.data, rng) };
      return writeZip(entries, rng.int(2) === 1);
    };
    const rezip: Mutator = { name: 'rezip-mutated-member', apply: (b, rng) => rezipWith(b, rng, npyMutators[rng.int(npyMutators.length)]!) };
    // Zip structure fields (sizes, offsets, counts, lengths) set to edge values.
    const zipField: Mutator = {
      name: 'zip-field',
      apply: (b: Uint8Array, rng: Rng) => {
        const out = b.slice();
        const view = new DataView(out.buffer);
        const sigs = [0x04034b50, 0x02014b50, 0x06054b50];
        const at: number[] = [];
        for (let p = 0; p + 4 <= out.length; p++) if (sigs.includes(view.getUint32(p, true))) at.push(p);
        if (at.length === 0) return out;
        const p = at[rng.int(at.length)]!;
        const off = p + 4 + 2 * rng.int(21);
        const v = [0, 1, 0xffff, 0xffffffff, 0x7fffffff, out.length, out.length + 1][rng.int(7)]!;
        if (off + 4 <= out.length && rng.int(2)) view.setUint32(off, v >>> 0, true);
        else if (off + 2 <= out.length) view.setUint16(off, v & 0xffff, true);
        return out;
      },
    };
    const target: FuzzTarget = {
      name: 'npz',
      seeds,
      read: (b) => arrayBytes(Object.values(parseNpz(b, 'fuzz.npz'))),
      // A member inflates to at most its claimed size, which DEFLATE bounds at about 1032x; float16 widens 2x.
      maxOutputBytes: (n) => 2 * (1032 * n + 4096),
      isInputError,
      dictionary: npyDictionary,
      mutators: [rezip, rezip, zipField, zipField, { name: 'rezip-npy-header', apply: (b, rng) => rezipWith(b, rng, npyHeader) }],
    };
    expectClean(await fuzz(target, { cases: CASES, seed: SEED + 2 }));
  });

  test(`safetensors: ${CASES} mutations of written files, header JSON included`, async () => {
    // The reader takes a path: a memory file system where there is one keeps 3000 writes fast.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'flow-fuzz-st-'));
    try {
      const seedFile = (name: string, tensors: Record<string, NdArray>, metadata?: Record<string, string>) => {
        writeSafetensors(join(dir, name), tensors, metadata);
        return new Uint8Array(readFileSync(join(dir, name)));
      };
      const seeds = [
        seedFile('a.safetensors', { w: ndarray('float32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6])), b: ndarray('float16', [3], new Float32Array([0.5, -1, 2])) }, { format: 'pt' }),
        seedFile('b.safetensors', { i: ndarray('int64', [2], new BigInt64Array([1n, -2n])), m: ndarray('bool', [4], new Uint8Array([1, 0, 1, 1])), z: ndarray('float32', [0, 4], new Float32Array(0)) }),
        seedFile('c.safetensors', { h: ndarray('bfloat16', [2, 2], new Float32Array([1, 2, 3, 4])) }),
      ];
      const file = join(dir, 'fuzz.safetensors');
      const target: FuzzTarget = {
        name: 'safetensors',
        seeds,
        read: (b) => {
          writeFileSync(file, b);
          return arrayBytes(Object.values(readSafetensors(file).tensors));
        },
        // float16 / bfloat16 widen to float32, bool stays a byte: 2 bytes of array per byte of file at most.
        maxOutputBytes: (n) => 2 * n,
        isInputError,
        dictionary: ['"F32"', '"F16"', '"BF16"', '"I64"', '"BOOL"', '"F8_E4M3"', '"dtype"', '"shape"', '"data_offsets"', '"__metadata__"', 'null', '[]', '{}', '[0,0]', '[-1]', '"x"', '{"a":1}', '0', '1e400', ','],
        mutators: [
          stHeader,
          stHeader,
          stHeader,
          {
            name: 'header-length',
            apply: (b, rng) => {
              const out = b.slice();
              if (out.length >= 8) new DataView(out.buffer).setBigUint64(0, BigInt([0, 1, 2, out.length, out.length - 7, 2 ** 31, 2 ** 40][rng.int(7)]!), true);
              return out;
            },
          },
        ],
      };
      expectClean(await fuzz(target, { cases: CASES, seed: SEED + 3 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a clean report needs both outcomes: the harness itself catches a reader that crashes', async () => {
    const crashy: FuzzTarget = {
      name: 'crashy',
      seeds: [encodeNpy(ndarray('float32', [2], new Float32Array([1, 2])))],
      read: (b) => {
        if (b.length < 64) throw new TypeError('boom');
        return arrayBytes([parseNpy(b)]);
      },
      isInputError,
    };
    const report = await fuzz(crashy, { cases: 200, seed: 4 });
    expect(report.failures.length).toBeGreaterThan(0);
    expect(describeFailures(report)).toMatch(/threw TypeError: boom instead of a typed input error/);
  });
});
