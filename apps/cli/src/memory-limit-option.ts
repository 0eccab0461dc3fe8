import { UsageError } from './usage-error';

const SCALE: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Help text for --memory-limit, shared by the commands that have it. */
export const MEMORY_LIMIT_HELP = `--memory-limit SIZE memory the large arrays may take, e.g. 8G, 512M, 2e9 (bytes); default: 90% of the
                     memory available now (MemAvailable, and the cgroup limit when one is set)`;

/** Parses `--memory-limit` ("8G", "512MiB", "1.5GB", "2e9" bytes) into bytes, or undefined when not given. */
export function memoryLimitOption(command: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const bytes = m ? Math.floor(Number(m[1]) * SCALE[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    throw new UsageError(`flow ${command}: --memory-limit expects a size such as 8G, 512M or 2e9 (bytes), got '${value}'`);
  }
  return bytes;
}
