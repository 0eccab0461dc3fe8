import { FlowInputError } from '@flow/errors';

/** No WebGPU here: the optional `webgpu` package is missing or fails to load, or no adapter answers. */
export class WebgpuUnavailableError extends FlowInputError {
  override readonly code = 'WEBGPU_UNAVAILABLE';
}
