import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/** Where a memory budget came from, for messages: "the memory budget (...) is 3.20 GiB". */
export interface MemoryBudget {
  /** Bytes the caller may allocate for its large arrays. */
  bytes: number;
  /** How the figure was found, e.g. "90% of 22.9 GiB available (MemAvailable)" or "memoryLimitBytes". */
  source: string;
}

/** Share of the memory the machine reports available that large arrays may take: the rest is headroom. */
export const AVAILABLE_SHARE = 0.9;

/** Elements one typed array may hold in Node 20 (V8's limit): a budget never helps beyond it. */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;

const GIB = 1024 ** 3;

/** Bytes as "3.20 GiB" (or MiB / KiB / bytes when smaller), for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function readNumberFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text === 'max' || text === '') return undefined;
    const v = Number(text);
    return Number.isFinite(v) && v >= 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** MemAvailable from /proc/meminfo (memory the kernel can hand out without swapping), else os.freemem(). */
function availableMemory(meminfo: string): { bytes: number; source: string } {
  try {
    const m = /^MemAvailable:\s+(\d+)\s*kB/m.exec(readFileSync(meminfo, 'utf8'));
    if (m) return { bytes: Number(m[1]) * 1024, source: 'MemAvailable' };
  } catch {
    // Not Linux: fall through.
  }
  return { bytes: freemem(), source: 'free memory' };
}

/** Room left under the cgroup limit (v2 memory.max, else v1 memory.limit_in_bytes), when one is set. */
function cgroupHeadroom(root: string): number | undefined {
  const pairs: [string, string][] = [
    [`${root}/memory.max`, `${root}/memory.current`],
    [`${root}/memory/memory.limit_in_bytes`, `${root}/memory/memory.usage_in_bytes`],
  ];
  for (const [limitFile, usageFile] of pairs) {
    const limit = readNumberFile(limitFile);
    // cgroup v1 writes "no limit" as a number near 2^63.
    if (limit === undefined || limit >= 2 ** 60) continue;
    return Math.max(0, limit - (readNumberFile(usageFile) ?? 0));
  }
  return undefined;
}

export interface MemoryBudgetOptions {
  /** An explicit budget in bytes: used as given instead of what the machine reports. */
  memoryLimitBytes?: number;
  /** For tests: where to read /proc/meminfo and the cgroup files. */
  meminfoPath?: string;
  cgroupRoot?: string;
}

/**
 * The bytes large arrays may take: `memoryLimitBytes` when given, else 90% of the smaller of the memory the
 * machine reports available (MemAvailable) and the room left under this process's cgroup memory limit.
 */
export function memoryBudget(opts: MemoryBudgetOptions = {}): MemoryBudget {
  if (opts.memoryLimitBytes !== undefined) {
    const v = opts.memoryLimitBytes;
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`memoryLimitBytes must be a positive number of bytes, got ${v}`);
    return { bytes: Math.floor(v), source: 'memoryLimitBytes' };
  }
  const avail = availableMemory(opts.meminfoPath ?? '/proc/meminfo');
  const cg = cgroupHeadroom(opts.cgroupRoot ?? '/sys/fs/cgroup');
  const [bytes, what] = cg !== undefined && cg < avail.bytes ? [cg, 'left under the cgroup memory limit'] : [avail.bytes, `available (${avail.source})`];
  return { bytes: Math.floor(bytes * AVAILABLE_SHARE), source: `${Math.round(AVAILABLE_SHARE * 100)}% of ${formatBytes(bytes)} ${what}` };
}
