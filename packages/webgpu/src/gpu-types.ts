// The few parts of the WebGPU API this package touches, so its public types need no DOM or @webgpu/types.

export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  features: { has(name: string): boolean };
  requestDevice(descriptor?: unknown): Promise<unknown>;
}

export interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}
