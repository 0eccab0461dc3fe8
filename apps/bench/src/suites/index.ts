import type { Suite } from '../suite';
import { bespokeSuite } from './bespoke';
import { emaSuite } from './ema';
import { fidSuite } from './fid';
import { matchingSuite } from './matching';
import { papersSuite } from './papers';
import { solversSuite } from './solvers';
import { trainSuite } from './train';

export const suites: readonly Suite[] = [matchingSuite, solversSuite, trainSuite, fidSuite, emaSuite, bespokeSuite, papersSuite];
