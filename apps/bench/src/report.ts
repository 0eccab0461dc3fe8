import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@flow/io';
import { describeMachine } from './machine';
import { type PythonPeer, findPythonPeer } from './python-peer';

/** Progress and context lines go to stderr so stdout stays the table or the JSON object. */
export function err(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The repository root (where pnpm-workspace.yaml is), searched upwards from the working directory. */
export function repoRoot(): string {
  let dir = resolve(process.cwd());
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Writes a suite's Markdown to docs/benchmarks/<suite>.md (atomically) for BENCHMARKS.md; returns the path. */
export function writeSuiteReport(suite: string, markdown: string): string {
  const target = join(repoRoot(), 'docs', 'benchmarks', `${suite}.md`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileAtomic(target, markdown);
  err(`wrote ${target}`);
  return target;
}

/** The head of a suite's report: title, the command that wrote it, the machine, a load warning if any, the inputs. */
export function reportHead(title: string, command: string, machine: string, warning: string | null | undefined, inputs: string): string[] {
  return [`# ${title}`, '', `Command: \`${command}\``, '', machine, '', ...(warning ? [warning, ''] : []), inputs, ''];
}

/** Prints the machine and the peer found (or why its columns are skipped); returns both for the report. */
export function announceContext(): { machine: string; peer: PythonPeer | null } {
  const machine = describeMachine();
  const peer = findPythonPeer();
  err(machine);
  err(peer ? `peer: ${peer.executable} numpy ${peer.numpy} scipy ${peer.scipy}` : 'peer: python3 with numpy+scipy not found, peer columns skipped');
  return { machine, peer };
}

/**
 * A warning line for a report measured on a busy machine (load average above the core count at start or end),
 * or '' when it was quiet enough. Figures from a loaded run are lower, and a peer with spinning OpenMP threads
 * (PyTorch, BLAS) loses more than single-threaded workers, so ratios move too.
 */
export function loadWarning(loadStart: number, loadEnd: number, cores: number): string {
  const worst = Math.max(loadStart, loadEnd);
  if (worst <= cores) return '';
  return `**Loaded machine**: load average ${loadStart.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end on ${cores} cores (other work was running); figures are below an idle machine's, and ratios to multi-threaded peers are not representative.`;
}
