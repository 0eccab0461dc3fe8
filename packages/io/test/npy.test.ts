import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, ndarray, NpyFormatError, parseNpy, readArrayFile, readNpy, readNpz, writeNpy, writeNpz } from '../src/index';
// Files written by NumPy itself, committed with their generator (fixtures/README.md).
const dir = join(__dirname, '../../../fixtures/npy');

interface ManifestEntry {
  dtype?: string;
  shape?: number[];
  values_c_order?: number[];
  arrays?: Record<string, number[] | number[][]>;
  error?: string;
}

describe('npy reading against files written by NumPy', () => {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;

  for (const [file, entry] of Object.entries(manifest)) {
    if (entry.error) {
      it(`rejects ${file} (${entry.error}) with a clear error naming the file`, () => {
        expect(() => readNpy(join(dir, file))).toThrow(NpyFormatError);
        expect(() => readNpy(join(dir, file))).toThrow(file);
      });
    } else if (entry.arrays) {
      it(`reads ${file}`, () => {
        const arrays = readNpz(join(dir, file));
        expect(Object.keys(arrays).sort()).toEqual(Object.keys(entry.arrays!).sort());
        for (const [key, expected] of Object.entries(entry.arrays!)) {
          expect(Array.from(arrays[key]!.data, Number)).toEqual((expected as number[]).flat());
        }
      });
    } else {
      it(`reads ${file} (${entry.dtype}, shape [${entry.shape}])`, () => {
        const a = readNpy(join(dir, file));
        expect(a.shape).toEqual(entry.shape);
        // float16 / float32 files hold exactly the listed (float64-printed) values.
        expect(Array.from(a.data, Number)).toEqual(entry.values_c_order);
      });
    }
  }

  it('round-trips every readable reference file through our writer byte-for-byte in value', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'flow-io-'));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.npy') && !manifest[f]?.error)) {
      const a = readNpy(join(dir, file));
      writeNpy(join(tmp, file), a);
      const b = readNpy(join(tmp, file));
      expect(b.dtype).toBe(a.dtype);
      expect(b.shape).toEqual(a.shape);
      expect(Array.from(b.data, Number)).toEqual(Array.from(a.data, Number));
    }
  });
});

describe('npy writing', () => {
  it('writes a 64-byte aligned little-endian C-order header that parses back', () => {
    const a = ndarray('int64', [3], new BigInt64Array([1n, -2n, 3n]));
    const bytes = encodeNpy(a);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + headerLen))).toContain("'descr': '<i8', 'fortran_order': False, 'shape': (3,)");
    expect(Array.from(parseNpy(bytes).data as ArrayLike<number | bigint>)).toEqual([1n, -2n, 3n]);
  });

  it('narrows float16 with round-to-nearest-even', () => {
    const a = ndarray('float16', [4], new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 2 ** -25]));
    expect(Array.from(parseNpy(encodeNpy(a)).data as Float32Array)).toEqual([1, 1 + 2 ** -9, Infinity, 0]);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => ndarray('float32', [2, 2], new Float32Array(3))).toThrow(/needs 4 values, got 3/);
  });

  it('reads a single-array npz through readArrayFile and refuses multi-array ones', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'flow-io-'));
    const x = ndarray('float32', [2, 2], new Float32Array([1, 2, 3, 4]));
    writeNpz(join(tmp, 'one.npz'), { x }, { compress: true });
    expect(Array.from(readArrayFile(join(tmp, "one.npz")).data as Float32Array)).toEqual([1, 2, 3, 4]);
    writeNpz(join(tmp, 'two.npz'), { x, y: x });
    expect(() => readArrayFile(join(tmp, 'two.npz'))).toThrow(/expected exactly one array, found 2/);
    expect(() => readArrayFile(join(tmp, 'missing.npy'))).toThrow(/missing\.npy: cannot be read/);
  });

  it('leaves no partial file when a write fails', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'flow-io-'));
    expect(() => writeNpy(join(tmp, 'no-such-dir', 'x.npy'), ndarray('float32', [1], new Float32Array(1)))).toThrow();
    expect(readdirSync(tmp)).toEqual([]);
  });
});
