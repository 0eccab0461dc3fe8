import type { Command } from '../command';
import { bespokeCommand } from './bespoke';
import { demoCommand } from './demo';
import { emaCommand } from './ema';
import { evalCommand } from './eval';
import { fidCommand } from './fid';
import { matchCommand } from './match';
import { modelInfoCommand } from './model-info';
import { sampleCommand } from './sample';
import { solveCommand } from './solve';
import { trainCommand } from './train';
import { vizCommand } from './viz';
import { workerCommand } from './worker';

export const commands: readonly Command[] = [
  demoCommand,
  trainCommand,
  sampleCommand,
  matchCommand,
  solveCommand,
  bespokeCommand,
  fidCommand,
  emaCommand,
  modelInfoCommand,
  vizCommand,
  evalCommand,
  workerCommand,
];
