import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The layering rules of CONTRIBUTING.md, checked on the sources: no import loop in any package or app, no
// package imports an app, no CLI command imports another command (not even through a helper module).
const root = path.resolve(__dirname, '../../..');

/**
 * Loops that exist on main and are being removed by the trainer restructuring (issue 11). Each entry must still
 * be a loop: once it is gone, delete it here.
 */
const KNOWN_LOOPS: string[] = [];

interface Workspace {
  name: string;
  dir: string;
  kind: 'package' | 'app';
}

function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const [parent, kind] of [['packages', 'package'], ['apps', 'app']] as const) {
    for (const entry of readdirSync(path.join(root, parent))) {
      const manifest = path.join(root, parent, entry, 'package.json');
      if (!existsSync(manifest)) continue;
      out.push({ name: (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, dir: `${parent}/${entry}`, kind });
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((entry) => {
    const rel = `${dir}/${entry}`;
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return /\.ts$/.test(entry) && !/\.(test|d)\.ts$/.test(entry) ? [rel] : [];
  });
}

/** A relative specifier as the file it names (TypeScript's resolution for `./x`, `./x.js`, `./dir`). */
function resolveRelative(from: string, specifier: string): string | null {
  const base = path.posix.join(path.posix.dirname(from), specifier);
  const candidates = [base, `${base}.ts`, `${base.replace(/\.[cm]?js$/, '')}.ts`, `${base}/index.ts`];
  return candidates.find((c) => existsSync(path.join(root, c)) && statSync(path.join(root, c)).isFile()) ?? null;
}

const spaces = workspaces();
const files = new Map<string, { workspace: Workspace; imports: string[] }>();
for (const w of spaces) {
  for (const f of sourceFiles(`${w.dir}/src`)) {
    const info = ts.preProcessFile(readFileSync(path.join(root, f), 'utf8'), true, true);
    files.set(f, { workspace: w, imports: info.importedFiles.map((i) => i.fileName) });
  }
}
const edges = new Map<string, string[]>();
for (const [f, { imports }] of files) edges.set(f, imports.filter((s) => s.startsWith('.')).map((s) => resolveRelative(f, s) ?? `${f} -> ${s} (unresolved)`));

/** Strongly connected components with more than one member (or a self-import): the import loops. */
function loops(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        onStack.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('architecture', () => {
  it('reads every workspace', () => {
    expect(spaces.map((w) => w.name)).toEqual(expect.arrayContaining(['@flow/cli', '@flow/demo', '@flow/trainer', '@flow/io']));
    expect(files.size).toBeGreaterThan(100);
  });

  it('resolves every relative import', () => {
    const unresolved = [...edges.values()].flat().filter((e) => e.endsWith('(unresolved)'));
    expect(unresolved).toEqual([]);
  });

  it('has no import loop inside any package or app (besides the known ones, each still a loop)', () => {
    const found = loops(edges).map((scc) => scc.join(' <-> '));
    expect(found.filter((l) => !KNOWN_LOOPS.includes(l))).toEqual([]);
    expect(KNOWN_LOOPS.filter((l) => !found.includes(l))).toEqual([]);
  });

  it('has no loop between packages, and no package imports an app', () => {
    const byName = new Map(spaces.map((w) => [w.name, w]));
    const graph = new Map<string, string[]>(spaces.map((w) => [w.name, []]));
    const intoApps: string[] = [];
    for (const [f, { workspace, imports }] of files) {
      for (const s of imports) {
        const target = s.startsWith('.') ? spaces.find((w) => resolveRelative(f, s)?.startsWith(`${w.dir}/`)) : byName.get(s);
        if (!target || target === workspace) continue;
        graph.get(workspace.name)!.push(target.name);
        if (workspace.kind === 'package' && target.kind === 'app') intoApps.push(`${f} imports ${s}`);
      }
    }
    expect(intoApps).toEqual([]);
    expect(loops(graph)).toEqual([]);
  });

  it('has no CLI command that imports another command, directly or through a helper', () => {
    const commandDir = 'apps/cli/src/commands/';
    const commands = [...files.keys()].filter((f) => f.startsWith(commandDir) && !f.endsWith('/index.ts'));
    expect(commands.length).toBeGreaterThan(5);
    const offences: string[] = [];
    for (const command of commands) {
      const seen = new Set<string>([command]);
      const queue = [command];
      while (queue.length) {
        for (const next of edges.get(queue.shift()!) ?? []) {
          if (seen.has(next)) continue;
          seen.add(next);
          if (commands.includes(next)) offences.push(`${command} reaches ${next}`);
          else queue.push(next);
        }
      }
    }
    expect(offences).toEqual([]);
  });
});
