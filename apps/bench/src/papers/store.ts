import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@flow/io';

/**
 * The grid's results, one JSON file per finished piece under DIR/results/ (written atomically), so a stopped
 * run skips what is done when it starts again and the page can be drawn from whatever has finished.
 */
export class ResultStore {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'results'), { recursive: true });
  }

  private file(key: string): string {
    return join(this.dir, 'results', `${key.replace(/[^a-zA-Z0-9._=-]+/g, '_')}.json`);
  }

  get<T>(key: string): T | undefined {
    const f = this.file(key);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : undefined;
  }

  put<T>(key: string, value: T): T {
    const f = this.file(key);
    mkdirSync(dirname(f), { recursive: true });
    writeFileAtomic(f, `${JSON.stringify(value, null, 1)}\n`);
    return value;
  }

  /** The stored value, or `compute()`'s, stored before it is returned. */
  async once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const have = this.get<T>(key);
    return have !== undefined ? have : this.put(key, await compute());
  }

  keys(): string[] {
    return readdirSync(join(this.dir, 'results'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
  }

  /** A folder of the grid for files other than results (runs, reconstructed weights). */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
}
