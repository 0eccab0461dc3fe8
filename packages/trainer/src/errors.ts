import { FlowInputError } from '@flow/errors';

/** Bad input to the trainer (a dataset file, a run directory, a config field). */
export class TrainerInputError extends FlowInputError {
  override readonly code = 'TRAINER_INPUT';
}
