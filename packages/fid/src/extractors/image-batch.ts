/** Images as float32 pixels, batch-first NHWC, values in [0, 1]. */
export interface ImageBatch {
  data: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Turns images into feature rows. `extract` returns (count x dim) row-major float32. */
export interface FeatureExtractor {
  readonly name: string;
  /** Feature dimension (known after loading). */
  readonly dim: number;
  extract(images: ImageBatch): Promise<Float32Array>;
  dispose?(): void;
}
