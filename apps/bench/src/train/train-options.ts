import { cpus } from 'node:os';

/** What `flow-bench train` was asked to measure (suite arguments after --json / --quick are taken out). */
export interface TrainOptions {
  write: boolean;
  /** `--backends=LIST` as given (validated against the runtime's names by the suite), or null for all. */
  backends: string[] | null;
  /** `--presets=LIST`, or null for the default plan. */
  presets: string[] | null;
  /** `--batches=LIST` (positive integers), or null for the plan's own batch sizes. */
  batches: number[] | null;
  /** `--threads=N`: the PyTorch peer's thread count (and FLOW_THREADS for engines that read it); default all cores. */
  threads: number;
  /** Skip the PyTorch peer (`--no-peer`). */
  peer: boolean;
  /** `--report=NAME`: --write saves docs/benchmarks/NAME.md (default train, or train-<backends>). */
  report: string | null;
}

/** A bad suite argument: the suite prints the message and exits 2. */
export class TrainOptionError extends Error {}

function list(args: string[], flag: string): string[] | null {
  const a = args.find((x) => x.startsWith(`${flag}=`));
  if (a === undefined) return null;
  const items = a.slice(flag.length + 1).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new TrainOptionError(`${flag}: expected a comma-separated list, got '${a}'`);
  return items;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new TrainOptionError(`${flag}: expected positive integers, got '${value}'`);
  return n;
}

const KNOWN = ['--write', '--no-peer', '--backends', '--presets', '--batches', '--threads', '--report'];

/** Parses the train suite's arguments the way the other suites do (`--name=value`); throws TrainOptionError. */
export function parseTrainOptions(args: string[], cores = cpus().length): TrainOptions {
  for (const a of args) {
    if (!KNOWN.includes(a.split('=')[0] ?? a)) throw new TrainOptionError(`unknown option '${a}' (expected ${KNOWN.join(', ')})`);
  }
  const threadsArg = list(args, '--threads');
  if (threadsArg && threadsArg.length !== 1) throw new TrainOptionError(`--threads: expected one positive integer, got '${threadsArg.join(',')}'`);
  const report = list(args, '--report');
  if (report && (report.length !== 1 || !/^[a-z0-9-]+$/.test(report[0]!))) throw new TrainOptionError(`--report: expected one name of lowercase letters, digits and dashes, got '${report.join(',')}'`);
  return {
    report: report ? report[0]! : null,
    write: args.includes('--write'),
    peer: !args.includes('--no-peer'),
    backends: list(args, '--backends')?.map((b) => b.toLowerCase()) ?? null,
    presets: list(args, '--presets'),
    batches: list(args, '--batches')?.map((b) => positive(b, '--batches')) ?? null,
    threads: threadsArg ? positive(threadsArg[0]!, '--threads') : Math.max(1, cores),
  };
}
