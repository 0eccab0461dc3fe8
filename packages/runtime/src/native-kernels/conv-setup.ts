import {
  backend_util,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type Conv2DInputs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { Conv2DGeometry } from '@flow/native';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { convGeometry, isEmptyConv } from './conv-geometry';

/** What every conv kernel of the native and wasm engines starts from: the geometry and the output on the heap. */
export interface ConvSetup {
  backend: WasmBackendLike;
  g: Conv2DGeometry;
  out: TensorInfo;
  /** The conv has no work (an empty dimension): `out` is already zero-filled, return it. */
  empty: boolean;
}

type KernelArgs<I, A> = { inputs: I; backend: unknown; attrs: A };
type Shape4 = [number, number, number, number];

function setup(backend: unknown, info: backend_util.Conv2DInfo, outShape: number[], kernel: string): ConvSetup {
  const b = backend as WasmBackendLike;
  const g = convGeometry(info, kernel);
  const out = b.makeOutput(outShape, 'float32');
  const empty = isEmptyConv(g);
  if (empty) heapF32(b, out).fill(0);
  return { backend: b, g, out, empty };
}

/** Conv2D: y = conv(x, filter); `engine` names the engine in errors ('native', 'wasm'). */
export function conv2DSetup(args: KernelArgs<Conv2DInputs, Conv2DAttrs>, engine: string): ConvSetup & { x: TensorInfo; filter: TensorInfo } {
  const x = args.inputs.x as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, false, format);
  return { ...setup(args.backend, info, info.outShape, `${engine} Conv2D`), x, filter };
}

/** Conv2DBackpropInput: dx from dy and the filter. */
export function conv2DBackpropInputSetup(args: KernelArgs<Conv2DBackpropInputInputs, Conv2DBackpropInputAttrs>, engine: string): ConvSetup & { dy: TensorInfo; filter: TensorInfo } {
  const dy = args.inputs.dy as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, format);
  return { ...setup(args.backend, info, info.inShape, `${engine} Conv2DBackpropInput`), dy, filter };
}

/** Conv2DBackpropFilter: dW from x and dy. */
export function conv2DBackpropFilterSetup(args: KernelArgs<Conv2DBackpropFilterInputs, Conv2DBackpropFilterAttrs>, engine: string): ConvSetup & { x: TensorInfo; dy: TensorInfo } {
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, format);
  return { ...setup(args.backend, info, filterShape, `${engine} Conv2DBackpropFilter`), x, dy };
}
