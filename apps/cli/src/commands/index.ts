import type { Command } from '../command';
import { bespokeCommand } from './bespoke';
import { convertCommand } from './convert';
import { demoCommand } from './demo';
import { emaCommand } from './ema';
import { evalCommand } from './eval';
import { fidCommand } from './fid';
import { importCommand } from './import';
import { likelihoodCommand } from './likelihood';
import { matchCommand } from './match';
import { modelInfoCommand } from './model-info';
import { probeCommand } from './probe';
import { sampleCommand } from './sample';
import { solveCommand } from './solve';
import { trainCommand } from './train';
import { velocityCommand } from './velocity';
import { vizCommand } from './viz';
import { workerCommand } from './worker';

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
  convertCommand,
  importCommand,
  velocityCommand,
  probeCommand,
  evalCommand,
  workerCommand,
];
