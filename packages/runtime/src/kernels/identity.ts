import { Identity, type IdentityInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Identity without a copy: the output shares the input's buffer (reference counted, as the wasm backend's own
 * Reshape does; tensors are immutable). The stock wasm kernel copies, and tfjs runs Identity on every tensor it
 * saves for a gradient (engine.saveTensorsForBackwardMode), a full extra pass per saved activation.
 */
function identity(args: { inputs: IdentityInputs; backend: unknown }): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype === 'string') throw new Error('wasm Identity: string tensors are not supported');
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
