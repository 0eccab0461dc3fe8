import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { classicEmaBeta, emaUpdate } from '@flow/ema';
import { writeSafetensors, type NdArray } from '@flow/io';
import { powerEmaHook, type EmaHook, type TrainConfig } from '@flow/trainer';

/** Where the harness keeps a run's classic-EMA and raw weights (`step-N.safetensors`, network names). */
export function extraWeightsFile(dir: string, kind: 'classic' | 'raw', step: number): string {
  return join(dir, kind, `step-${String(step).padStart(8, '0')}.safetensors`);
}

/**
 * The trainer's power-function EMA (EDM2 post-hoc snapshots) plus what claim 4 compares it with: a classic
 * constant-decay EMA (decay `decay`, TensorFlow's num_updates warm-up) and the raw weights, both written every
 * `every` steps into `extraDir`. The classic EMA rides in the checkpoints, so a resumed run continues it exactly.
 */
export function extraEmaHook(extraDir: string, decay: number) {
  return (emaDir: string, config: TrainConfig, shapes: Record<string, number[]>): EmaHook => {
    const every = config.ema?.every ?? 0;
    const power = powerEmaHook(emaDir, every, config.ema?.sigmaRels ?? [0.05, 0.1], shapes);
    let classic: Record<string, Float32Array> | null = null;
    let updates = 0;
    const asTensors = (w: Record<string, Float32Array>): Record<string, NdArray> =>
      Object.fromEntries(Object.entries(w).map(([name, data]) => [name, { dtype: 'float32' as const, shape: shapes[name] ?? [data.length], data }]));
    return {
      async update(step, weights) {
        await power.update(step, weights);
        const w = await weights();
        updates++;
        if (!classic) classic = Object.fromEntries(Object.entries(w).map(([k, a]) => [k, Float32Array.from(a)]));
        else {
          const beta = classicEmaBeta(updates, { decay, warmup: 'inverse' });
          for (const [k, a] of Object.entries(w)) emaUpdate(classic[k]!, a, beta);
        }
        if (every > 0 && step % every === 0) {
          mkdirSync(join(extraDir, 'classic'), { recursive: true });
          mkdirSync(join(extraDir, 'raw'), { recursive: true });
          writeSafetensors(extraWeightsFile(extraDir, 'classic', step), asTensors(classic));
          writeSafetensors(extraWeightsFile(extraDir, 'raw', step), asTensors(w));
        }
      },
      getState() {
        const s = power.getState!();
        const arrays = { ...s.arrays };
        if (classic) for (const [k, a] of Object.entries(classic)) arrays[`classic/${k}`] = { dtype: 'float32', shape: [a.length], data: a };
        return { meta: { ...s.meta, classicUpdates: updates }, arrays };
      },
      setState(state) {
        const arrays = Object.fromEntries(Object.entries(state.arrays).filter(([k]) => !k.startsWith('classic/')));
        power.setState!({ meta: state.meta, arrays });
        updates = Number(state.meta.classicUpdates ?? 0);
        const mine = Object.entries(state.arrays).filter(([k]) => k.startsWith('classic/'));
        classic = mine.length ? Object.fromEntries(mine.map(([k, a]) => [k.slice('classic/'.length), Float32Array.from(a.data as Float32Array)])) : null;
      },
    };
  };
}
