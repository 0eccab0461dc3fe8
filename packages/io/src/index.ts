export { writeFileAtomic, withAtomicPath, tempPathFor, checkOutputPath } from './atomic-write';
export { ArrayFileError, NpyFormatError, NpzFormatError, SafetensorsFormatError, OutputPathError } from './errors';
export { halfToFloat, floatToHalf, bfloatToFloat, floatToBfloat } from './half';
export { type DType, type NdArray, type TypedArray, ndarray, sizeOf, itemSize, toFloat32, toFloat64 } from './ndarray';
export { parseNpy, readNpy, encodeNpy, writeNpy } from './npy';
export { parseNpz, readNpz, encodeNpz, writeNpz, readArrayFile } from './npz';
export { SafetensorsReader, SafetensorsWriter, openSafetensors, readSafetensors, writeSafetensors, type TensorInfo } from './safetensors';
export { memoryBudget, formatBytes, AVAILABLE_SHARE, MAX_TYPED_ARRAY_LENGTH, type MemoryBudget, type MemoryBudgetOptions } from './memory-budget';
export { largestFitting } from './largest-fitting';
