import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNdArray, parseTorchCheckpoint, readTorchCheckpoint, readTorchStateDict, TorchCheckpointError, type NdArray, type TorchDict } from '../src/index';

// Fixtures: test/fixtures/torch/make-fixtures.py (torch 1.13); no python is needed here.
const dir = join(__dirname, 'fixtures', 'torch');
const fixture = (name: string) => join(dir, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;

function checkAgainstExpected(sd: Record<string, NdArray>): void {
  expect(Object.keys(sd)).toEqual(Object.keys(expected));
  for (const [name, want] of Object.entries(expected)) {
    const got = sd[name]!;
    expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({ name, dtype: want.dtype, shape: want.shape });
    const values = Array.from(got.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v));
    expect({ name, values }).toEqual({ name, values: want.values });
  }
}

describe('torch checkpoint reader', () => {
  it.each(['state-dict.pt', 'state-dict-protocol4.pt', 'state-dict-legacy.pt'])('reads every dtype, view and shared storage of %s exactly', (file) => {
    checkAgainstExpected(readTorchStateDict(fixture(file)));
  });

  it('materialises views as independent C-order copies', () => {
    const sd = readTorchStateDict(fixture('state-dict.pt'));
    (sd.f32!.data as Float32Array)[0] = 99;
    expect((sd.f32_t!.data as Float32Array)[0]).toBe(-1);
  });

  it('reads nested checkpoints and picks a state dict by key, or the only one', () => {
    const value = readTorchCheckpoint(fixture('nested.pt')) as TorchDict;
    expect(value.get('step')).toBe(7);
    expect((value.get('config') as TorchDict).get('lr')).toBe(0.1);
    expect((value.get('config') as TorchDict).get('sizes')).toEqual([1, 2]);
    const ema = readTorchStateDict(fixture('nested.pt'), { key: 'ema' });
    expect(Object.keys(ema)).toEqual(['w', 'b']);
    expect(Array.from(readTorchStateDict(fixture('nested.pt'), { key: 'net' }).w!.data as Float32Array)).toEqual([3, 3, 3, 3]);
    expect(() => readTorchStateDict(fixture('nested.pt'))).toThrow(/several state dicts \(ema, net\)/);
    expect(() => readTorchStateDict(fixture('nested.pt'), { key: 'nope' })).toThrow(/no entry 'nope' \(entries: ema, net, step, config\)/);
    expect(Object.keys(readTorchStateDict(fixture('nested-one.pt')))).toEqual(['w', 'b']);
  });

  it.each([
    ['hostile-os-system.pt', /refusing global (posix|os)\.system/],
    ['hostile-popen.pt', /refusing global (subprocess|commands)\.Popen/],
    ['hostile-eval.pt', /refusing global (builtins|__builtin__)\.eval/],
  ])('refuses %s, naming the global', (file, pattern) => {
    let error: unknown;
    try {
      readTorchCheckpoint(fixture(file));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TorchCheckpointError);
    expect((error as TorchCheckpointError).kind).toBe('input');
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).toContain(fixture(file));
  });

  it('refuses a plain pickle that calls os.system, and object-building opcodes', () => {
    // \x80\x02 c"os\nsystem\n" X"echo hi" \x85 R .  (what pickle.dumps of an os.system __reduce__ payload is)
    const cmd = Buffer.from('echo hi');
    const evil = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n'), Buffer.from([0x58, cmd.length, 0, 0, 0]), cmd, Buffer.from([0x85, 0x52, 0x2e])]);
    expect(() => parseTorchCheckpoint(evil, 'evil.pkl')).toThrow('evil.pkl: refusing global os.system');
    // NEWOBJ (0x81) never appears in a state dict.
    expect(() => parseTorchCheckpoint(Buffer.from([0x80, 0x02, 0x29, 0x29, 0x81, 0x2e]), 'x.pkl')).toThrow(/opcode 0x81 .* not supported/);
  });

  it('reports truncated and damaged files as input errors', () => {
    expect(() => readTorchCheckpoint(fixture('truncated.pt'))).toThrow(TorchCheckpointError);
    expect(() => readTorchCheckpoint(fixture('missing.pt'))).toThrow(/cannot be read \(ENOENT\)/);
    const legacy = readFileSync(fixture('state-dict-legacy.pt'));
    for (const cut of [1, 14, 200, legacy.length - 9, legacy.length - 1]) {
      expect(() => parseTorchCheckpoint(legacy.subarray(0, cut), 'cut.pt')).toThrow(TorchCheckpointError);
    }
    expect(() => parseTorchCheckpoint(Buffer.from('hello'), 'text.pt')).toThrow(/not a torch.save file/);
  });

  it('keeps shared sub-structures shared and its tensors are NdArrays', () => {
    const value = readTorchCheckpoint(fixture('state-dict.pt')) as TorchDict;
    expect(isNdArray(value.get('f32'))).toBe(true);
    expect(isNdArray(value)).toBe(false);
  });
});
