/**
 * A seeded mutation fuzzer for file readers. A reader plugs in as a FuzzTarget: valid seed files, a `read`
 * that parses bytes (and returns how many bytes it decoded), and a test for the typed input error it promises.
 * Every case takes a seed file, stacks one to three mutations (truncation, bit flips, byte and integer edits,
 * inserted, deleted and duplicated ranges, numbers in header text made huge or negative, dictionary tokens
 * swapped, and whatever format-aware mutators the target adds) and runs the reader. The contract: each case
 * either reads or throws the typed input error; never another exception (a crash), and never more decoded
 * bytes (or live ArrayBuffer growth) than `maxOutputBytes` allows for its size. A hang fails the test by the
 * test runner's timeout. Failures carry the case number, the mutators and the bytes, so one can be replayed.
 *
 * Usage (see reader-fuzz.test.ts; apps/cli/test/cli-fuzz.test.ts runs commands the same way):
 *   expectFuzzClean(await fuzz({ name: 'pt', seeds, read: (b) => ..., isInputError }, { cases: 3000, seed: 1 }));
 */
import { Rng } from '@flow/random';

export interface Mutator {
  name: string;
  apply(bytes: Uint8Array, rng: Rng): Uint8Array;
}

export interface FuzzTarget {
  name: string;
  /** Valid files of the format; mutations start from these. */
  seeds: Uint8Array[];
  /** Parses the bytes (or runs a command on them); returns the number of bytes of arrays it produced. */
  read(bytes: Uint8Array): number | void | Promise<number | void>;
  /** True for the typed input error the reader promises on bad input. */
  isInputError(error: unknown): boolean;
  /** Most bytes a read may produce or keep alive for an input of this many bytes (default 4n + 64 KiB). */
  maxOutputBytes?(inputBytes: number): number;
  /** Tokens of the format (e.g. dtype strings, keywords) to swap into the header text. */
  dictionary?: string[];
  /** Format-aware mutators, used alongside the generic ones. */
  mutators?: Mutator[];
}

export interface FuzzFailure {
  case: number;
  mutators: string[];
  problem: string;
  bytes: Uint8Array;
}

export interface FuzzReport {
  target: string;
  cases: number;
  accepted: number;
  refused: number;
  failures: FuzzFailure[];
  /** Outcomes per mutator, to see that each one reaches both sides of the reader. */
  byMutator: Record<string, { accepted: number; refused: number }>;
}

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x20, 0x30, 0x39, 0x27, 0x22, 0x28, 0x29, 0x2c, 0x7b, 0x7d];
const INTERESTING_INTS = [0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 2 ** 32, 2 ** 53, 2 ** 63, 2 ** 64 - 1];
const NUMBER_TEXT = ['0', '-1', '1.5', '1e308', '2147483648', '4294967296', '9007199254740993', '18446744073709551616', '99999999999999999999999', 'NaN'];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Writes `value` little-endian into `width` bytes at `at` (as much as fits). */
function putInt(bytes: Uint8Array, at: number, width: number, value: number): void {
  let v = BigInt(Math.min(value, 2 ** 64 - 1)) & ((1n << BigInt(8 * width)) - 1n);
  for (let k = 0; k < width && at + k < bytes.length; k++) {
    bytes[at + k] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Runs of ASCII digits (with a leading minus) in the bytes, as [start, end) pairs. */
function digitRuns(bytes: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! < 0x30 || bytes[i]! > 0x39) continue;
    const start = i > 0 && bytes[i - 1] === 0x2d ? i - 1 : i;
    while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
    runs.push([start, i]);
  }
  return runs;
}

function findAll(bytes: Uint8Array, token: Uint8Array): number[] {
  const at: number[] = [];
  outer: for (let i = 0; i + token.length <= bytes.length; i++) {
    for (let k = 0; k < token.length; k++) if (bytes[i + k] !== token[k]) continue outer;
    at.push(i);
  }
  return at;
}

/** Mutations that know nothing of the format. */
export function genericMutators(dictionary: string[] = []): Mutator[] {
  const text = new TextEncoder();
  const tokens = dictionary.map((t) => text.encode(t));
  const list: Mutator[] = [
    { name: 'truncate', apply: (b, rng) => b.slice(0, rng.int(Math.max(1, b.length))) },
    {
      name: 'bit-flips',
      apply: (b, rng) => {
        const out = b.slice();
        for (let k = 1 + rng.int(8); k > 0 && out.length > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
        return out;
      },
    },
    {
      name: 'byte-set',
      apply: (b, rng) => {
        const out = b.slice();
        for (let k = 1 + rng.int(4); k > 0 && out.length > 0; k--) out[rng.int(out.length)] = rng.int(2) ? pick(rng, INTERESTING_BYTES) : rng.int(256);
        return out;
      },
    },
    {
      name: 'huge-int',
      apply: (b, rng) => {
        const out = b.slice();
        if (out.length > 0) putInt(out, rng.int(out.length), pick(rng, [2, 4, 8]), pick(rng, INTERESTING_INTS));
        return out;
      },
    },
    {
      name: 'insert',
      apply: (b, rng) => {
        const at = rng.int(b.length + 1);
        const ins = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
        return concat(b.subarray(0, at), ins, b.subarray(at));
      },
    },
    {
      name: 'delete',
      apply: (b, rng) => {
        const at = rng.int(b.length + 1);
        return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(32))));
      },
    },
    {
      name: 'duplicate',
      apply: (b, rng) => {
        const from = rng.int(b.length + 1);
        const chunk = b.subarray(from, Math.min(b.length, from + 1 + rng.int(64)));
        const at = rng.int(b.length + 1);
        return concat(b.subarray(0, at), chunk, b.subarray(at));
      },
    },
    {
      name: 'number-text',
      apply: (b, rng) => {
        const runs = digitRuns(b);
        if (runs.length === 0) return b;
        const [s, e] = pick(rng, runs);
        return concat(b.subarray(0, s), text.encode(pick(rng, NUMBER_TEXT)), b.subarray(e));
      },
    },
  ];
  if (tokens.length > 0) {
    list.push({
      name: 'token-swap',
      apply: (b, rng) => {
        const from = pick(rng, tokens);
        const places = findAll(b, from);
        if (places.length === 0) {
          // Not present: drop a token in at a random place of the first 256 bytes (the header, usually).
          const at = rng.int(Math.min(b.length, 256) + 1);
          return concat(b.subarray(0, at), pick(rng, tokens), b.subarray(at));
        }
        const at = pick(rng, places);
        return concat(b.subarray(0, at), pick(rng, tokens), b.subarray(at + from.length));
      },
    });
  }
  return list;
}

/** Runs `cases` seeded cases against the target and reports every broken contract. */
export async function fuzz(target: FuzzTarget, options: { cases: number; seed: number }): Promise<FuzzReport> {
  const rng = new Rng(options.seed);
  const mutators = [...genericMutators(target.dictionary), ...(target.mutators ?? [])];
  const maxOut = target.maxOutputBytes ?? ((n: number) => 4 * n + 65536);
  const report: FuzzReport = { target: target.name, cases: options.cases, accepted: 0, refused: 0, failures: [], byMutator: {} };
  for (const m of mutators) report.byMutator[m.name] = { accepted: 0, refused: 0 };
  for (let c = 0; c < options.cases; c++) {
    let bytes = pick(rng, target.seeds);
    const used: string[] = [];
    for (let k = 1 + rng.int(3); k > 0; k--) {
      const m = pick(rng, mutators);
      bytes = m.apply(bytes, rng);
      used.push(m.name);
    }
    const before = process.memoryUsage().arrayBuffers;
    let problem: string | null = null;
    let accepted = false;
    try {
      const produced = (await target.read(bytes)) ?? 0;
      accepted = true;
      if (produced > maxOut(bytes.length)) problem = `read ${bytes.length} bytes into ${produced} bytes of arrays (at most ${maxOut(bytes.length)} allowed)`;
    } catch (error) {
      if (!target.isInputError(error)) {
        problem = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} instead of a typed input error`;
      }
    }
    const grew = process.memoryUsage().arrayBuffers - before;
    if (problem === null && grew > maxOut(bytes.length) + 64 * 2 ** 20) problem = `ArrayBuffers grew by ${grew} bytes reading ${bytes.length}`;
    if (accepted) report.accepted++;
    else report.refused++;
    for (const name of used) report.byMutator[name]![accepted ? 'accepted' : 'refused']++;
    if (problem !== null) report.failures.push({ case: c, mutators: used, problem, bytes });
  }
  return report;
}

/** A readable summary of the first failures (with the bytes in hex), for a test's failure message. */
export function describeFailures(report: FuzzReport, show = 5): string {
  const lines = report.failures.slice(0, show).map((f) => {
    const hex = Buffer.from(f.bytes.subarray(0, 160)).toString('hex');
    return `case ${f.case} [${f.mutators.join(' + ')}]: ${f.problem}\n  ${f.bytes.length} bytes: ${hex}${f.bytes.length > 160 ? '...' : ''}`;
  });
  return `${report.target}: ${report.failures.length} of ${report.cases} cases broke the contract\n${lines.join('\n')}`;
}

/** Fails the calling test with the first failures when the report has any. */
export function expectFuzzClean(report: FuzzReport): void {
  if (report.failures.length > 0) throw new Error(describeFailures(report));
}
