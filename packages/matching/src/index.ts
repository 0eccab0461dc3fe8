export { MatchingInputError, ScopeTooLargeError } from './errors';
export { checkMatrix, checkPair, type RealArray } from './validate';
export { solveAssignment, type AssignmentResult, type AssignmentStats } from './lap/solve-assignment';
export { greedyAssign } from './greedy-match';
export { greedyMatchStream, greedyStreamBytes, type GreedyStreamOptions } from './greedy-stream';
export { pairCost, rowSqDist, type PairCostResult, type PairCostOptions } from './pair-cost';
export { costMatrixBudgetBytes, maxScope, checkScopeFits, checkFits, type FitCheck } from './scope-limit';
export {
  createCoupling,
  type Coupling,
  type CouplingKind,
  type CouplingOptions,
  type CouplingSnapshot,
  type CouplingStats,
  type DataSampler,
  type FeatureDistance,
  type PairBatch,
} from './coupling';
export * from './cost/index';
export { matchPairs, type MatchOptions, type MatchResult, type MatchSolver } from './match-pairs';
export * from './entropic/index';
