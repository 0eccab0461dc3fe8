import type { Suite } from '../suite';
import { bespokeSuite } from './bespoke';
import { emaSuite } from './ema';
import { fidSuite } from './fid';
import { guidanceSuite } from './guidance';
import { matchingSuite } from './matching';
import { papersSuite } from './papers';
import { solversSuite } from './solvers';
import { peakSuite } from './peak';
import { trainSuite } from './train';

export const suites: readonly Suite[] = [matchingSuite, solversSuite, trainSuite, peakSuite, fidSuite, emaSuite, bespokeSuite, guidanceSuite, papersSuite];
