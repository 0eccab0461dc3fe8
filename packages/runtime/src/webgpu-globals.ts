import { requestAdapter, WebgpuUnavailableError } from '@flow/webgpu';
import { BackendUnavailableError } from './errors';

/**
 * Makes `navigator.gpu` exist in Node (Dawn, through @flow/webgpu) and checks that an adapter answers;
 * tfjs-backend-webgpu registers itself only when `navigator.gpu` is present at import. Returns the adapter's
 * description. With `rejectSoftware` (automatic choice) a software adapter counts as none: wasm is faster.
 */
export async function setupWebgpuGlobals(timeoutMs: number, opts: { rejectSoftware?: boolean } = {}): Promise<string> {
  try {
    const found = await requestAdapter({ timeoutMs, rejectSoftware: opts.rejectSoftware ?? false });
    return found.description;
  } catch (e) {
    if (e instanceof WebgpuUnavailableError) {
      const hint = opts.rejectSoftware && /software/.test(e.message) ? ' (request webgpu by name to use it anyway)' : '';
      throw new BackendUnavailableError('webgpu', `${e.message.replace(/^WebGPU: /, '')}${hint}`);
    }
    throw e;
  }
}
