import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A temporary path beside `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/** Writes the whole file under a temporary name, flushes it, then renames: readers never see half a file. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Lets `fn` write `tmpPath` however it likes (a stream, a child process), then renames it to `path`.
 * On failure the temporary file is removed and `path` is untouched.
 */
export async function withAtomicPath(path: string, fn: (tmpPath: string) => void | Promise<void>): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await fn(tmp);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true, recursive: true });
    throw error;
  }
}
