import path from 'node:path';
import type { NdArray } from '@flow/io';
import { PowerEmaTracker, type PowerEmaTrackerState } from '@flow/ema';
import type { EmaHook } from './ema-hook';

/**
 * EDM2 post-hoc EMA through `@flow/ema`: power-function EMAs of the network weights (names as in the
 * network, shapes kept), snapshots every `every` steps into `snapshotDir` (a run's EMA folder), state
 * carried in checkpoints.
 */
export function powerEmaHook(snapshotDir: string, every: number, sigmaRels: number[], shapes: Record<string, number[]>): EmaHook {
  const settings = { snapshotEvery: every, dir: snapshotDir, shapes, metadata: { run: path.basename(path.dirname(path.resolve(snapshotDir))) } };
  let tracker = new PowerEmaTracker({ ...settings, sigmaRels });
  return {
    async update(_step, weights) {
      tracker.update(await weights());
    },
    getState() {
      const s = tracker.getState();
      const arrays: Record<string, NdArray> = {};
      s.emas.forEach((ema, k) => {
        for (const [name, a] of Object.entries(ema)) arrays[`${k}/${name}`] = { dtype: s.precision, shape: [a.length], data: a };
      });
      return { meta: { version: s.version, step: s.step, sigmaRels: s.sigmaRels, names: s.names, precision: s.precision }, arrays };
    },
    setState(state) {
      const meta = state.meta as Omit<PowerEmaTrackerState, 'emas'>;
      const emas = meta.sigmaRels.map((_, k) => {
        const ema: Record<string, Float32Array | Float64Array> = {};
        for (const name of meta.names) {
          const a = state.arrays[`${k}/${name}`];
          if (a) ema[name] = a.data as Float32Array | Float64Array;
        }
        return ema;
      });
      tracker = PowerEmaTracker.fromState({ ...meta, emas }, settings);
    },
  };
}
