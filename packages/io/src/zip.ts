import { crc32 as zlibCrc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** One member of a zip archive, decompressed. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export class ZipError extends Error {}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function u64(view: DataView, off: number): number {
  return view.getUint32(off, true) + view.getUint32(off + 4, true) * 2 ** 32;
}

/** Largest ratio of inflated to deflated bytes DEFLATE allows (about 1032:1): a claimed size beyond it is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Reads every member of a zip archive (stored or deflated; zip64 sizes and offsets included). Every offset and
 * size is checked against the archive before use, a member inflates to at most the size the directory claims
 * (which must be possible for its compressed size), and each member's CRC-32 is checked: damage is a ZipError.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  try {
    return readZipUnchecked(bytes);
  } catch (error) {
    // A field pointing outside the file surfaces as a RangeError from DataView: still a damaged archive.
    if (error instanceof RangeError) throw new ZipError(`damaged archive (${error.message})`);
    throw error;
  }
}

function readZipUnchecked(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (off: number, len: number, what: string): void => {
    if (!(off >= 0 && off + len <= bytes.length)) throw new ZipError(`${what} lies outside the archive (offset ${off}, ${len} bytes, archive ${bytes.length} bytes)`);
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end-of-central-directory record)');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === SIG_EOCD64_LOCATOR) {
    const off64 = u64(view, eocd - 20 + 8);
    need(off64, 56, 'zip64 end-of-central-directory record');
    if (view.getUint32(off64, true) !== SIG_EOCD64) throw new ZipError('zip64 end-of-central-directory record is missing');
    count = u64(view, off64 + 32);
    cdOffset = u64(view, off64 + 48);
  }
  // Each central entry takes at least 46 bytes: a larger count is damage, not a reason to loop.
  if (count > (bytes.length - Math.min(cdOffset, bytes.length)) / 46) throw new ZipError(`the directory claims ${count} members, more than the archive can hold`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== SIG_CENTRAL) throw new ZipError(`central directory entry ${k} is damaged`);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    need(p + 46, nameLen + extraLen + commentLen, `central directory entry ${k}`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: the 0xffffffff fields follow in order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001 && e + 4 + len <= eEnd) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > Math.min(eEnd, e + 4 + len)) throw new ZipError(`member '${name}': zip64 extra field is too short`);
          const v = u64(view, q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compSize === 0xffffffff) compSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    need(localOffset, 30, `local header of '${name}'`);
    if (view.getUint32(localOffset, true) !== SIG_LOCAL) throw new ZipError(`local header of '${name}' is damaged`);
    const start = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (start + compSize > bytes.length) throw new ZipError(`member '${name}' is truncated`);
    const raw = bytes.subarray(start, start + compSize);
    let data: Uint8Array;
    if (method === 0) {
      if (compSize !== size) throw new ZipError(`member '${name}' is stored with ${compSize} bytes, the directory says ${size}`);
      data = raw;
    } else if (method === 8) {
      if (size > compSize * MAX_DEFLATE_RATIO + 1024) throw new ZipError(`member '${name}' claims ${size} bytes from ${compSize} compressed, more than DEFLATE can expand`);
      try {
        // Never inflate past the claimed size: a lying header cannot make us allocate more.
        data = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, size) }));
      } catch (error) {
        throw new ZipError(`member '${name}' does not inflate (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    } else throw new ZipError(`member '${name}' uses compression method ${method} (expected stored or deflate)`);
    if (data.length !== size) throw new ZipError(`member '${name}' has ${data.length} bytes, the directory says ${size}`);
    const actual = crc32(data);
    if (actual !== crc) throw new ZipError(`member '${name}' fails its CRC-32 check (the directory says ${hex(crc)}, the data gives ${hex(actual)}): the archive is damaged`);
    entries.push({ name, data });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

const crc32 = (data: Uint8Array): number => zlibCrc32(data) >>> 0;

/** Writes a zip archive (stored or deflated members); members and the archive must stay below 4 GiB. */
export function writeZip(entries: ZipEntry[], compress: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const body = compress ? new Uint8Array(deflateRawSync(entry.data)) : entry.data;
    if (entry.data.length >= 0xffffffff || offset >= 0xffffffff) throw new ZipError(`member '${entry.name}' is too large for a zip without zip64`);
    const crc = crc32(entry.data);
    const method = compress ? 8 : 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, SIG_LOCAL, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint16(12, 0x21, true); // DOS date 1980-01-01: reproducible archives
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, entry.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, entry.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, body);
    central.push(cd);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, SIG_EOCD, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((s, c) => s + c.length, 0));
  let p = 0;
  for (const c of all) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
