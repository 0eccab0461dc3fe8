import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, OutputPathError, withAtomicPath, writeNpy } from '../src/index';

const a = ndarray('float32', [1], new Float32Array(1));

describe('atomic writes check the output path first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-out-'));

  test('a missing folder is bad input naming the path, not a raw ENOENT on a temp file', () => {
    const out = join(dir, 'nope', 'p.npy');
    expect(() => writeNpy(out, a)).toThrow(OutputPathError);
    expect(() => writeNpy(out, a)).toThrow(`${out}: cannot be written: the folder ${join(dir, 'nope')} does not exist`);
    expect(() => writeNpy(out, a)).toThrow(expect.objectContaining({ kind: 'input', file: out }));
  });

  test('a path that is a folder is bad input, not EISDIR', () => {
    const out = join(dir, 'folder');
    mkdirSync(out);
    expect(() => writeNpy(out, a)).toThrow(`${out}: is a folder; expected a file name`);
    expect(readdirSync(out)).toEqual([]);
  });

  test('withAtomicPath checks the folder before calling back', async () => {
    let called = false;
    await expect(withAtomicPath(join(dir, 'nope', 'run'), () => void (called = true))).rejects.toThrow(OutputPathError);
    expect(called).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
