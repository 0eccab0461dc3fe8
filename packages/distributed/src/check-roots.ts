import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { DistributedInputError } from './errors';

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for outputs not made yet). */
function realish(p: string): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  while (!existsSync(cur)) {
    const parent = path.dirname(cur);
    if (parent === cur) break;
    rest.unshift(path.basename(cur));
    cur = parent;
  }
  return path.join(realpathSync(cur), ...rest);
}

/**
 * Throws unless every path lies inside one of `roots` after resolving symbolic links, so a job cannot point
 * a worker at files its operator did not offer (`..`, links out of the root, absolute paths elsewhere).
 */
export function assertInsideRoots(paths: readonly string[], roots: readonly string[], what = 'path'): void {
  if (roots.length === 0) throw new DistributedInputError('worker roots: at least one root directory is required');
  const realRoots = roots.map((r) => {
    if (!existsSync(r)) throw new DistributedInputError(`worker root ${r}: no such directory`);
    return realpathSync(r);
  });
  for (const p of paths) {
    const real = realish(p);
    const inside = realRoots.some((root) => {
      const rel = path.relative(root, real);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    });
    if (!inside) throw new DistributedInputError(`${what} ${p} is outside this worker's roots (${roots.join(', ')}); refusing it`);
  }
}
