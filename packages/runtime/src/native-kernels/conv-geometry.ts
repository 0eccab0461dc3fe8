import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DGeometry } from '@flow/native';

/** The native and wasm kernels' geometry from tfjs's Conv2DInfo (NHWC only: the layout the wasm backend keeps); `kernel` names the engine and kernel for the error. */
export function convGeometry(info: backend_util.Conv2DInfo, kernel: string): Conv2DGeometry {
  if (info.dataFormat !== 'channelsLast') throw new Error(`${kernel} supports dataFormat 'NHWC' only, got '${info.dataFormat}'`);
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outChannels: info.outChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** True when the conv has no work (an empty dimension): the caller returns zeros. */
export function isEmptyConv(g: Conv2DGeometry): boolean {
  return [g.batchSize, g.inHeight, g.inWidth, g.inChannels, g.outChannels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth].some((v) => v === 0);
}
