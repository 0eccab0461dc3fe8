import path from 'node:path';
import type { NdArray } from '@flow/io';
import { PowerEmaTracker, type PowerEmaTrackerState } from '@flow/ema';
import type { EmaHook } from './trainer';

/** The EMA snapshot folder of a run (what `flow ema reconstruct --snapshots` reads). */
export function emaDir(runDir: string): string {
  return path.join(runDir, 'ema');
}

/**
 * EDM2 post-hoc EMA through `@flow/ema`: power-function EMAs of the network weights (names as in the
 * network, shapes kept), snapshots every `every` steps into DIR/ema, state carried in checkpoints.
 */
export function powerEmaHook(runDir: string, every: number, sigmaRels: number[], shapes: Record<string, number[]>): EmaHook {
  const settings = { snapshotEvery: every, dir: emaDir(runDir), shapes, metadata: { run: path.basename(path.resolve(runDir)) } };
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
