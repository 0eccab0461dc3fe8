/** A number for a report table: 3 significant digits, exponent form when very large or small, `n/a` when not finite. */
export const fmt = (x: number, digits = 3): string =>
  Number.isFinite(x) ? (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(digits - 1) : x.toPrecision(digits)) : 'n/a';

export const secs = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** A markdown table. */
export function table(head: string[], rows: (string | number)[][]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}
