export type Cell = string | number | null | undefined;

function format(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  if (typeof cell === 'string') return cell;
  if (Number.isInteger(cell)) return String(cell);
  const a = Math.abs(cell);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return cell.toExponential(3);
  return cell.toPrecision(4);
}

/** A Markdown table, so the output can be pasted into BENCHMARKS.md as it is. */
export function markdownTable(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(format));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...text.map(line)].join('\n');
}
