/** The network part of a run's config (JSON-safe; stored in the run's config file). */
export interface ModelConfig {
  type: 'mlp' | 'unet-edm2';
  /** U-Net preset name (unet-edm2), e.g. `mnist`, `mnist-tiny`, `cifar10`; resolution/channels follow the data. */
  preset?: string;
  /** MLP width and depth (mlp). */
  hidden?: number;
  layers?: number;
  /** Fields overriding the preset's config (unet-edm2) or passed to the MLP constructor. */
  options?: Record<string, unknown>;
  /**
   * Number of classes of a class-conditional network (absent: unconditional): the U-Net's `labelDim`
   * (EDM2's magnitude-preserving class embedding) or the MLP's one-hot input.
   */
  labelDim?: number;
}
