/** No WebGPU here: the optional `webgpu` package is missing or fails to load, or no adapter answers. */
export class WebgpuUnavailableError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'WebgpuUnavailableError';
  }
}
