import { explainSyncReads, WEBGPU_SYNC_READ_MESSAGE } from '../src/index';

describe('explainSyncReads', () => {
  it("turns tfjs-webgpu's OffscreenCanvas ReferenceError into a message that names the backend and the fix", () => {
    const backend = {
      readSync(_id: object): unknown {
        throw new ReferenceError('OffscreenCanvas is not defined');
      },
    };
    explainSyncReads(backend);
    expect(() => backend.readSync({})).toThrow(WEBGPU_SYNC_READ_MESSAGE);
    expect(WEBGPU_SYNC_READ_MESSAGE).toMatch(/the wasm backend/);
    expect(WEBGPU_SYNC_READ_MESSAGE).not.toMatch(/--/); // a library names no CLI flag
  });

  it('passes values and other errors through unchanged', () => {
    const data = new Float32Array([1, 2]);
    let fail = false;
    const backend = {
      readSync(id: object): unknown {
        if (fail) throw new RangeError('bad id');
        return id === key ? data : null;
      },
    };
    const key = {};
    explainSyncReads(backend);
    expect(backend.readSync(key)).toBe(data);
    fail = true;
    expect(() => backend.readSync(key)).toThrow(RangeError);
  });
});
