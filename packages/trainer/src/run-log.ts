import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@flow/io';

export function logPath(runDir: string): string {
  return path.join(runDir, 'log.jsonl');
}

/** Appends one JSON line to the run's log. */
export function appendLog(runDir: string, entry: Record<string, unknown>): void {
  appendFileSync(logPath(runDir), `${JSON.stringify(entry)}\n`);
}

/** Reads the log (skipping a torn last line). */
export function readLog(runDir: string): Record<string, unknown>[] {
  const file = logPath(runDir);
  if (!existsSync(file)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut short by a kill; ignore it
    }
  }
  return out;
}

/** On resume: drop log lines of steps after the checkpoint we continue from (they will be redone). */
export function truncateLog(runDir: string, step: number): void {
  const file = logPath(runDir);
  if (!existsSync(file)) return;
  const kept = readLog(runDir).filter((e) => typeof e.step !== 'number' || e.step <= step);
  writeFileAtomic(file, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
}
