import type { Command } from '../command';
import { bespokeCommand } from './bespoke';
import { demoCommand } from './demo';
import { emaCommand } from './ema';
import { fidCommand } from './fid';
import { likelihoodCommand } from './likelihood';
import { matchCommand } from './match';
import { modelInfoCommand } from './model-info';
import { sampleCommand } from './sample';
import { solveCommand } from './solve';
import { trainCommand } from './train';
import { vizCommand } from './viz';

export const commands: readonly Command[] = [
  demoCommand,
  trainCommand,
  sampleCommand,
  matchCommand,
  solveCommand,
  likelihoodCommand,
  bespokeCommand,
  fidCommand,
  emaCommand,
  modelInfoCommand,
  vizCommand,
];
