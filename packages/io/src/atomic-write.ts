import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputPathError } from './errors';

/**
 * Throws an OutputPathError (bad input, naming `path`) when `path` cannot become a file: its folder is missing
 * or not a folder, or (kind `file`) `path` itself is a folder. Checked before anything is written, so no temp file
 * is made.
 */
export function checkOutputPath(path: string, kind: 'file' | 'any' = 'file'): void {
  const dir = dirname(path);
  const dirStat = statSync(dir, { throwIfNoEntry: false });
  if (!dirStat) throw new OutputPathError(path, `cannot be written: the folder ${dir} does not exist`);
  if (!dirStat.isDirectory()) throw new OutputPathError(path, `cannot be written: ${dir} is not a folder`);
  if (kind === 'file' && statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new OutputPathError(path, 'is a folder; expected a file name');
}

/** A temporary path beside `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/** Writes the whole file under a temporary name, flushes it, then renames: readers never see half a file. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  checkOutputPath(path);
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
  // The result may be a folder (a run directory written whole), so only its parent is checked.
  checkOutputPath(path, 'any');
  const tmp = tempPathFor(path);
  try {
    await fn(tmp);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true, recursive: true });
    throw error;
  }
}
