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

/** This process's cgroup paths from /proc/self/cgroup: the v2 one ("0::/x") and the v1 memory one ("4:memory:/x"). */
function ownCgroups(procCgroup: string): { v2: string; v1: string } {
  const out = { v2: '/', v1: '/' };
  try {
    for (const line of readFileSync(procCgroup, 'utf8').split('\n')) {
      const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
      if (path === undefined) continue;
      if (controllers === '') out.v2 = path;
      else if (controllers!.split(',').includes('memory')) out.v1 = path;
    }
  } catch {
    // No /proc: the root cgroup only.
  }
  return out;
}

/** The folder `path` and each of its parents up to `root`. */
function upTo(root: string, path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '..');
  return parts.map((_, i) => `${root}/${parts.slice(0, parts.length - i).join('/')}`).concat(root);
}

/**
 * Room left under the tightest cgroup memory limit on this process's cgroup or any parent (v2 memory.max minus
 * memory.current, v1 memory.limit_in_bytes minus memory.usage_in_bytes), when one is set.
 */
function cgroupHeadroom(root: string, procCgroup: string): number | undefined {
  const own = ownCgroups(procCgroup);
  const pairs: [string, string][] = [
    ...upTo(root, own.v2).map((d): [string, string] => [`${d}/memory.max`, `${d}/memory.current`]),
    ...upTo(`${root}/memory`, own.v1).map((d): [string, string] => [`${d}/memory.limit_in_bytes`, `${d}/memory.usage_in_bytes`]),
  ];
  let room: number | undefined;
  for (const [limitFile, usageFile] of pairs) {
    const limit = readNumberFile(limitFile);
    // cgroup v1 writes "no limit" as a number near 2^63.
    if (limit === undefined || limit >= 2 ** 60) continue;
    const left = Math.max(0, limit - (readNumberFile(usageFile) ?? 0));
    room = room === undefined ? left : Math.min(room, left);
  }
  return room;
}

export interface MemoryBudgetOptions {
  /** An explicit budget in bytes: used as given instead of what the machine reports. */
  memoryLimitBytes?: number;
  /** For tests: where to read /proc/meminfo, /proc/self/cgroup and the cgroup file system. */
  meminfoPath?: string;
  procCgroupPath?: string;
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
  const cg = cgroupHeadroom(opts.cgroupRoot ?? '/sys/fs/cgroup', opts.procCgroupPath ?? '/proc/self/cgroup');
  const [bytes, what] = cg !== undefined && cg < avail.bytes ? [cg, 'left under the cgroup memory limit'] : [avail.bytes, `available (${avail.source})`];
  return { bytes: Math.floor(bytes * AVAILABLE_SHARE), source: `${Math.round(AVAILABLE_SHARE * 100)}% of ${formatBytes(bytes)} ${what}` };
}
