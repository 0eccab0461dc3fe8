import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { encodeNpz, ndarray, NpzFormatError, parseNpz } from '../src/index';

const fixtures = join(__dirname, '../../../fixtures/npy');

/** Offset of the first byte of member `name`'s data in a zip (from its local header). */
function memberData(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p + 30 <= bytes.length; p++) {
    if (view.getUint32(p, true) !== 0x04034b50) continue;
    const nameLen = view.getUint16(p + 26, true);
    if (new TextDecoder().decode(bytes.subarray(p + 30, p + 30 + nameLen)) === name) return p + 30 + nameLen + view.getUint16(p + 28, true);
  }
  throw new Error(`no member ${name}`);
}

describe('npz members are CRC-32 checked', () => {
  test('a stored member with 4 bytes overwritten inside the array data (numpy: Bad CRC-32) names the file and member', () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, 'stats_plain.npz')));
    expect(Object.keys(parseNpz(bytes, 'stats_plain.npz')).sort()).toEqual(['mu', 'sigma']);
    const at = memberData(bytes, 'sigma.npy') + 128 + 8; // past the 128-byte npy header, inside sigma's values
    bytes.set([0x12, 0x34, 0x56, 0x78], at);
    expect(() => parseNpz(bytes, 'stats_plain.npz')).toThrow(NpzFormatError);
    expect(() => parseNpz(bytes, 'stats_plain.npz')).toThrow(/^stats_plain\.npz: member 'sigma\.npy' fails its CRC-32 check \(the directory says 0x[0-9a-f]{8}, the data gives 0x[0-9a-f]{8}\): the archive is damaged$/);
  });

  test('a deflated member whose data inflates fine but differs is caught too', () => {
    const a = ndarray('float64', [4], new Float64Array([1, 2, 3, 4]));
    const good = encodeNpz({ a }, { compress: true });
    // Swap the compressed stream for one of other (same-length) content: sizes agree, only the CRC can tell.
    const other = encodeNpz({ a: ndarray('float64', [4], new Float64Array([1, 2, 3, 5])) }, { compress: false });
    const otherNpy = other.subarray(memberData(other, 'a.npy'), memberData(other, 'a.npy') + 160);
    const deflated = deflateRawSync(otherNpy);
    const start = memberData(good, 'a.npy');
    const view = new DataView(good.buffer, good.byteOffset);
    const oldLen = view.getUint32(18, true);
    const forged = new Uint8Array(good.length - oldLen + deflated.length);
    forged.set(good.subarray(0, start));
    forged.set(deflated, start);
    forged.set(good.subarray(start + oldLen), start + deflated.length);
    const fv = new DataView(forged.buffer);
    fv.setUint32(18, deflated.length, true);
    const cd = forged.length - 22 - (46 + 5);
    fv.setUint32(cd + 20, deflated.length, true);
    fv.setUint32(forged.length - 22 + 16, start + deflated.length, true);
    expect(() => parseNpz(forged, 'forged.npz')).toThrow(/^forged\.npz: member 'a\.npy' fails its CRC-32 check/);
  });

  test('a deflated member is never inflated past its claimed size, and an impossible claim is refused', () => {
    const bytes = encodeNpz({ a: ndarray('float32', [1000], new Float32Array(1000)) }, { compress: true });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const cd = bytes.length - 22 - (46 + 5);
    view.setUint32(cd + 24, 0x7fffffff, true);
    expect(() => parseNpz(bytes, 'big.npz')).toThrow(/^big\.npz: member 'a\.npy' claims 2147483647 bytes from \d+ compressed, more than DEFLATE can expand$/);
    view.setUint32(cd + 24, 5000, true);
    expect(() => parseNpz(bytes, 'big.npz')).toThrow(/^big\.npz: member 'a\.npy' has 4128 bytes, the directory says 5000$/);
    view.setUint32(cd + 24, 100, true);
    expect(() => parseNpz(bytes, 'big.npz')).toThrow(/^big\.npz: member 'a\.npy' does not inflate \(ERR_BUFFER_TOO_LARGE\)$/);
  });
});
