import type { SamplerState } from '@flow/data';
import type { NdArray } from '@flow/io';
import type { CouplingSnapshot } from '@flow/matching';
import type { RngState } from '@flow/random';
import type { EmaHookState } from '../ema-hook';

/** A group of trained variables with their Adam moments, by the variables' own names. */
export interface TrainedGroup {
  params: Record<string, NdArray>;
  adamM: Record<string, NdArray>;
  adamV: Record<string, NdArray>;
}

/** Everything needed to continue a run exactly (EDM2-style: one object per checkpoint, structured by owner). */
export interface RunCheckpoint {
  step: number;
  /**
   * The velocity network: trained variables and moments, and the fixed, untrained tensors it computes with
   * (the U-Net's Fourier frequencies and phases), so a checkpoint alone defines the function. `buffers` is
   * empty in checkpoints written before they were stored.
   */
  net: TrainedGroup & { buffers: Record<string, NdArray> };
  /** A learned coupling's variables (the encoder's; empty for the others) and the coupling's own state. */
  coupling: TrainedGroup & { state: CouplingSnapshot };
  /** The flow-matching time stream, the network's own (dropout) stream and a conditional run's label-dropout stream. */
  rng: { time: RngState; net?: RngState; labels?: RngState };
  sampler: SamplerState;
  ema?: EmaHookState;
  /** The backend the checkpoint was written on. */
  backend?: string;
}
