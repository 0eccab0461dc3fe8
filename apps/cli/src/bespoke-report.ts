import type { BespokeBase, BespokeTrainResult } from '@flow/solvers';

/** The summary line of a Bespoke training and, when it falls short of the base solver at 2N, a warning. */
export function bespokeReport(result: BespokeTrainResult, base: BespokeBase, nfe: number): { line: string; warning: string | null } {
  const name = base === 'euler' ? 'RK1-BES' : 'RK2-BES';
  const h = result.heldOut;
  const e = (q: number) => q.toExponential(3);
  const line = `flow bespoke: ${name} at NFE ${nfe}: held-out RMSE ${e(h.rmse)} on ${h.samples} test noises; ${base} at NFE ${nfe} ${e(h.baseRmseN)}, at NFE ${2 * nfe} ${e(h.baseRmse2n)} (${result.seconds.toFixed(1)} s)`;
  let warning: string | null = null;
  if (!result.meetsBase2n) {
    warning =
      `${name} at NFE ${nfe} does not reach ${base} at NFE ${2 * nfe} on held-out noise (${e(h.rmse)} > ${e(h.baseRmse2n)})` +
      (result.keptInitial ? `; training did not beat ${base} at NFE ${nfe}, so the file holds ${base} itself` : '') +
      '; more iterations or training samples (--iterations, --train-samples) or a higher NFE may help';
  } else if (result.keptInitial) {
    warning = `training did not beat ${base} at NFE ${nfe} on held-out noise, so the file holds ${base} itself`;
  }
  return { line, warning };
}
