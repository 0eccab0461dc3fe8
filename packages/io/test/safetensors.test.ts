import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, openSafetensors, readSafetensors, SafetensorsFormatError, SafetensorsWriter, writeSafetensors } from '../src/index';

describe('safetensors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flow-st-'));

  it('round-trips every dtype with metadata and an 8-byte aligned data section', () => {
    const path = join(tmp, 'all.safetensors');
    const tensors = {
      f32: ndarray('float32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6.5])),
      f64: ndarray('float64', [2], new Float64Array([Math.PI, -0])),
      f16: ndarray('float16', [2], new Float32Array([0.5, -2])),
      bf16: ndarray('bfloat16', [2], new Float32Array([1.5, -3])),
      i64: ndarray('int64', [1], new BigInt64Array([-5n])),
      u8: ndarray('uint8', [3], new Uint8Array([0, 128, 255])),
      b: ndarray('bool', [2], new Uint8Array([1, 0])),
    };
    writeSafetensors(path, tensors, { step: '10' });
    const bytes = readFileSync(path);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLen) % 8).toBe(0);
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({ step: '10' });
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name]!.dtype).toBe(t.dtype);
      expect(back.tensors[name]!.shape).toEqual(t.shape);
      expect(Array.from(back.tensors[name]!.data, Number)).toEqual(Array.from(t.data, Number));
    }
    expect(Object.is(back.tensors.f64!.data[1], -0)).toBe(true);
  });

  it('streams tensors one at a time and only publishes the file on close', () => {
    const path = join(tmp, 'stream.safetensors');
    const w = new SafetensorsWriter(path, [
      { name: 'a', dtype: 'float32', shape: [2] },
      { name: 'b', dtype: 'float32', shape: [1] },
    ]);
    w.write('a', ndarray('float32', [2], new Float32Array([1, 2])));
    expect(readdirSync(tmp)).not.toContain('stream.safetensors');
    expect(() => w.write('a', ndarray('float32', [2], new Float32Array(2)))).toThrow(/expected tensor 'b' next/);
    expect(readdirSync(tmp).filter((f) => f.includes('stream'))).toEqual([]);

    const w2 = new SafetensorsWriter(path, [{ name: 'a', dtype: 'float32', shape: [2] }]);
    w2.write('a', ndarray('float32', [2], new Float32Array([7, 8])));
    w2.close();
    const r = openSafetensors(path);
    expect(r.names).toEqual(['a']);
    expect(r.info('a')).toEqual({ dtype: 'float32', shape: [2] });
    expect(Array.from(r.read('a').data as ArrayLike<number | bigint>)).toEqual([7, 8]);
    r.close();
  });

  it('rejects damaged files naming the file and the field', () => {
    const bad = join(tmp, 'bad.safetensors');
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(bad, Buffer.concat([len, header, Buffer.alloc(8)]));
    expect(() => openSafetensors(bad)).toThrow(SafetensorsFormatError);
    expect(() => openSafetensors(bad)).toThrow(/bad\.safetensors: tensor 'w': data_offsets \[0, 8\] do not match shape \[4\]/);
    writeFileSync(bad, Buffer.from([1, 2, 3]));
    expect(() => openSafetensors(bad)).toThrow(/shorter than the 8-byte header/);
  });
});
