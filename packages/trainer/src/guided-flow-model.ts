import { checkClassChoice, type ClassChoice } from './class-choice';
import { TrainerInputError } from './errors';
import { guidedVelocity } from './guided-velocity';
import type { FlowModel } from './load-flow-model';

/** The identity of a guided field: the model's, with the class and weight (Bespoke files are bound to it). */
export function guidedIdentity(identity: string, choice: ClassChoice, guidance: number): string {
  return `${identity}#class=${String(choice)};guidance=${guidance}`;
}

/**
 * A class-conditional model's guided field as a model of its own (for Bespoke training, or any solver):
 * rows of a batch get `choice`, or for `all` class (row index mod classes), and the field is
 * `guidedVelocity` with weight `guidance`. Its identity names the class and weight.
 */
export function guidedFlowModel(model: FlowModel, choice: ClassChoice, guidance = 1): FlowModel {
  checkClassChoice(choice, model.conditional?.classes);
  if (!Number.isFinite(guidance)) throw TrainerInputError.field('guidance', `must be a finite number, got ${guidance}`);
  const cond = model.conditional!;
  const labelsFor = (batch: number) => Int32Array.from({ length: batch }, (_, i) => (choice === 'all' ? i % cond.classes : choice));
  return {
    velocity: guidedVelocity(cond, labelsFor, guidance),
    identity: guidedIdentity(model.identity, choice, guidance),
    shape: model.shape,
    dim: model.dim,
    conditional: cond,
    dispose: () => model.dispose(),
  };
}
