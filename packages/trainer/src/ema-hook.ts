import type { NdArray } from '@flow/io';

/** A per-step hook for EMA tracking (`@flow/ema`): gets the current weights after each update. */
export interface EmaHook {
  update(step: number, weights: () => Promise<Record<string, Float32Array>>): void | Promise<void>;
  /** JSON-safe state stored in checkpoints, and restored on resume. */
  getState?(): EmaHookState;
  setState?(state: EmaHookState): void;
  close?(): void | Promise<void>;
}

export interface EmaHookState {
  meta: Record<string, unknown>;
  arrays: Record<string, NdArray>;
}
