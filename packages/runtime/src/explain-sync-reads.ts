interface SyncReader {
  readSync(dataId: object): unknown;
}

/** The message a synchronous read on webgpu fails with in Node, in place of tfjs-webgpu's bare ReferenceError. */
export const WEBGPU_SYNC_READ_MESSAGE =
  'backend webgpu: this step reads a tensor synchronously (dataSync / arraySync), which tfjs-webgpu can only do ' +
  'through OffscreenCanvas, absent in Node; run it on the wasm backend (or cpu / tensorflow)';

/**
 * tfjs-webgpu reads synchronously by drawing into an OffscreenCanvas; in Node that throws
 * "OffscreenCanvas is not defined", which names neither the backend nor a way out. Wraps `readSync` so the
 * error says what happened; other errors and successful reads pass through unchanged.
 */
export function explainSyncReads(backend: SyncReader): void {
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object): unknown => {
    try {
      return readSync(dataId);
    } catch (e) {
      if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) throw new Error(WEBGPU_SYNC_READ_MESSAGE, { cause: e });
      throw e;
    }
  };
}
