export { computeCostMatrix } from './compute-cost-matrix';
export { computeCostBlocks, type CostBlock, type CostBlockOptions } from './cost-blocks';
export { listCostBackends, AUTO_ORDER } from './registry';
export { CostInputError } from './cost-input-error';
export { largestSquareScope } from './prepare';
export type { CostBackendName, CostBackendInfo, CostMatrixOptions, CostMatrixResult, CostPrecision } from './types';
export { createWasmPoolCost, type PoolCost, type PoolCostFactory, type PoolDistances } from './pool-cost';
export { poolCostFromDotProducts, type PoolDotProducts } from './pool-cost-from-dot';
export { createNativePoolCost } from './native-pool-cost';
