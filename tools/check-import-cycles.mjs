// No import loop anywhere: between source files (relative imports, tests excluded) and between workspace
// packages (their @flow/* dependencies); packages never depend on an app. Exits 1 and names each loop.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dirs = ['packages', 'apps'].flatMap((d) => fs.readdirSync(path.join(root, d)).map((n) => path.join(root, d, n)));
const problems = [];

function cycles(graph) {
  const state = new Map();
  const found = [];
  const visit = (node, stack) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.get(next)) visit(next, stack);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.get(node)) visit(node, []);
  return found;
}

// files
const files = new Map();
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.tsx?$/.test(p) && !/\.(test|d)\.ts$/.test(p)) files.set(p, []);
  }
};
for (const d of dirs) if (fs.existsSync(path.join(d, 'src'))) walk(path.join(d, 'src'));
for (const [file, deps] of files) {
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]*)['"]/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => files.has(c));
    if (hit) deps.push(hit);
  }
}
for (const c of cycles(files)) problems.push(`file import loop: ${c.map((f) => path.relative(root, f)).join(' -> ')}`);

// packages
const pkgs = new Map();
const kind = new Map();
for (const d of dirs) {
  const file = path.join(d, 'package.json');
  if (!fs.existsSync(file)) continue;
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  kind.set(p.name, path.basename(path.dirname(d)));
  pkgs.set(p.name, Object.keys({ ...p.dependencies, ...p.peerDependencies }).filter((n) => n.startsWith('@flow/')));
}
for (const c of cycles(pkgs)) problems.push(`package dependency loop: ${c.join(' -> ')}`);
for (const [name, deps] of pkgs) {
  if (kind.get(name) !== 'packages') continue;
  for (const dep of deps) if (kind.get(dep) === 'apps') problems.push(`package ${name} depends on the app ${dep}`);
}

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`import loops: none (${files.size} files, ${pkgs.size} packages)`);
