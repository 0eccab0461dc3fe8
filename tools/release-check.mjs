#!/usr/bin/env node
// The release check (CI, after `npm test`): every public package as a user gets it. Each one is packed with
// pnpm (which rewrites `workspace:*`), installed alone (with only the tarballs of its own @flow/* dependencies,
// the rest from the npm registry) into a blank project outside the workspace, then loaded from ESM and CJS and
// every README block marked runnable is run there (see CONTRIBUTING.md, "Runnable README examples").
// Prints a size table; fails on any broken install, load or example. Needs a built workspace (`npm run setup`).
//   node tools/release-check.mjs [--keep] [--only=@flow/io,@flow/random] [--jobs=2] [--write-sizes]
// --write-sizes rewrites each README's "Size" line (after its Install block) with the figures of this run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const writeSizes = args.includes('--write-sizes');
const jobs = Number(args.find((a) => a.startsWith('--jobs='))?.slice(7) ?? 2);
const exampleTimeoutMs = 120_000;
/** Packages that must never pull a tensor library into a user's tree. */
const noTensorPackages = ['@flow/matching'];

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'flow-release-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const log = (line) => process.stdout.write(`[release-check] ${line}\n`);

/** Every package a user can install: packages/* and apps/* without `private: true`. */
function publicPackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const file = join(root, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private) continue;
      found.push({ dir: join(root, group, name), manifest, name: manifest.name });
    }
  }
  return found;
}

function run(cmd, cmdArgs, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `${signal} (timeout ${options.timeoutMs} ms?)` : code, output });
    });
  });
}

/** Fenced blocks whose info string is `js runnable`, `cjs runnable` or `ts runnable`. */
export function runnableBlocks(readme) {
  const blocks = [];
  const fence = /^([ \t]*)```(js|cjs|ts)[ \t]+runnable[ \t]*\n([\s\S]*?)^\1```[ \t]*$/gm;
  for (const m of readme.matchAll(fence)) {
    const indent = m[1];
    const code = m[3].split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
    const line = readme.slice(0, m.index).split('\n').length;
    blocks.push({ lang: m[2], code, line });
  }
  return blocks;
}

/** The packages of the README's first `npm install ...` line (its Install section). */
export function installLine(readme) {
  const m = /^[ \t]*npm (?:install|i) ((?:[@\w./-]+[ \t]*)+)$/m.exec(readme);
  return m ? m[1].trim().split(/\s+/).filter((w) => !w.startsWith('-')) : [];
}

const pkgs = publicPackages();
const byName = new Map(pkgs.map((p) => [p.name, p]));
const selected = only ? pkgs.filter((p) => only.includes(p.name)) : pkgs;

/** The package's @flow/* dependencies, transitively (regular and optional dependencies: what npm installs). */
function flowClosure(name, seen = new Set()) {
  const { dependencies, optionalDependencies } = byName.get(name).manifest;
  for (const dep of Object.keys({ ...dependencies, ...optionalDependencies })) {
    if (dep.startsWith('@flow/') && !seen.has(dep)) {
      seen.add(dep);
      flowClosure(dep, seen);
    }
  }
  return seen;
}

// 1. Pack (pnpm rewrites workspace:* into the real versions). Only what the selected packages need.
const readmeOf = (p) => (existsSync(join(p.dir, 'README.md')) ? readFileSync(join(p.dir, 'README.md'), 'utf8') : '');
const flowAskedBy = (p) => [p.name, ...installLine(readmeOf(p)).filter((n) => byName.has(n))];
const needed = new Set(selected.flatMap((p) => flowAskedBy(p).flatMap((n) => [n, ...flowClosure(n)])));
const tarballOf = new Map();
const toPack = pkgs.filter((x) => needed.has(x.name));
for (const p of toPack) if (!existsSync(join(p.dir, 'dist'))) throw new Error(`${p.name}: no dist/ — build first (npm run setup)`);
// One recursive pnpm call: starting pnpm through npx costs seconds each time.
const packed = spawnSync('npx', ['-y', 'pnpm@10', '-r', ...toPack.flatMap((p) => ['--filter', p.name]), 'pack', '--pack-destination', tarballs], { cwd: root, encoding: 'utf8' });
if (packed.status !== 0) throw new Error(`pnpm pack failed\n${packed.stdout}${packed.stderr}`);
for (const p of toPack) {
  const file = join(tarballs, `${p.name.slice(1).replace('/', '-')}-${p.manifest.version}.tgz`);
  if (!existsSync(file)) throw new Error(`${p.name}: pnpm pack wrote no ${file}\n${packed.stdout}`);
  tarballOf.set(p.name, file);
}
log(`packed ${tarballOf.size} packages in ${((Date.now() - started) / 1000).toFixed(0)} s`);

/** Bytes of the files in a tarball, as npm reports "unpacked size". */
function unpackedSize(tgz) {
  const r = spawnSync('tar', ['-tzvf', tgz], { encoding: 'utf8' });
  return r.stdout.split('\n').reduce((sum, l) => sum + (Number(l.trim().split(/\s+/)[2]) || 0), 0);
}

/** Files a tarball must not ship (CONTRIBUTING.md, "Release": dist without maps, README, CHANGELOG, package.json). */
function unexpectedFiles(tgz) {
  const r = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' });
  // addon/: C++ sources and the install script that compiles them where a package builds a native addon.
  // python/: peer scripts a benchmark runs beside ours (flow-bench's PyTorch U-Net).
  const allowed = /^package\/(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/.+|assets\/.+|addon\/.+|python\/[^/]+\.py)$/;
  return r.stdout.split('\n').filter((f) => f && (!allowed.test(f) || f.endsWith('.map') || /\.test\.|\/fixtures\//.test(f)));
}

/** Installed packages under node_modules (nested ones too), and their total bytes. */
function installedTree(dir) {
  const names = [];
  let bytes = 0;
  const sizeOf = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) sizeOf(full);
      else if (e.isFile()) bytes += statSync(full).size;
    }
  };
  const walk = (nm) => {
    if (!existsSync(nm)) return;
    for (const e of readdirSync(nm, { withFileTypes: true })) {
      if (e.name.startsWith('.') || !e.isDirectory()) continue;
      const dirs = e.name.startsWith('@') ? readdirSync(join(nm, e.name)).map((n) => `${e.name}/${n}`) : [e.name];
      for (const n of dirs) {
        if (!existsSync(join(nm, n, 'package.json'))) continue;
        names.push(n);
        walk(join(nm, n, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  if (existsSync(join(dir, 'node_modules'))) sizeOf(join(dir, 'node_modules'));
  return { names, bytes };
}

const tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
const ts = createRequire(join(root, 'package.json'))('typescript');
const typeRoots = join(root, 'node_modules', '@types');

async function check(p) {
  const failures = [];
  const project = join(work, p.name.replace('/', '+'));
  mkdirSync(project);
  const readme = readmeOf(p);
  // What the README's Install line asks for, as a user types it, except optional peers: those must stay optional.
  const optional = Object.entries(p.manifest.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n);
  const asked = installLine(readme).filter((n) => !optional.includes(n));
  const flowAsked = [p.name, ...asked.filter((n) => n.startsWith('@flow/'))];
  const local = [...new Set(flowAsked.flatMap((n) => [n, ...flowClosure(n)]))];
  const deps = Object.fromEntries(local.map((n) => [n, `file:${tarballOf.get(n)}`]));
  const ranges = { ...p.manifest.devDependencies, ...p.manifest.peerDependencies };
  const registry = Object.fromEntries(asked.filter((n) => !n.startsWith('@flow/')).map((n) => [n, ranges[n] ?? 'latest']));
  const direct = { ...registry, ...Object.fromEntries(flowAsked.map((n) => [n, deps[n]])) };
  // overrides make the transitive @flow/* edges use the local tarballs too, never the registry.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'release-check', private: true, type: 'module', dependencies: direct, overrides: deps }, null, 2));
  const t0 = Date.now();
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: project });
  const installS = (Date.now() - t0) / 1000;
  if (install.code !== 0) return { p, failures: [`npm install failed (${install.code}):\n${install.output}`] };
  const tree = installedTree(project);
  const extra = unexpectedFiles(tarballOf.get(p.name));
  if (extra.length) failures.push(`the tarball ships files it should not: ${extra.join(', ')}`);
  const shipped = readFileSync(join(project, 'node_modules', p.name, 'package.json'), 'utf8');
  if (shipped.includes('workspace:')) failures.push('the packed package.json still says workspace: (pack with pnpm)');
  if (noTensorPackages.includes(p.name)) {
    const tensors = tree.names.filter((n) => n.startsWith('@tensorflow/'));
    if (tensors.length) failures.push(`installs tensor libraries: ${tensors.join(', ')}`);
  }
  // Loads from ESM and CJS (apps: their bins answer --version).
  const bins = typeof p.manifest.bin === 'string' ? { [p.name.split('/')[1]]: p.manifest.bin } : (p.manifest.bin ?? {});
  const loads = p.manifest.exports?.['.'] || p.manifest.main
    ? [
        ['ESM import', ['--input-type=module', '-e', `await import(${JSON.stringify(p.name)})`]],
        ['CJS require', ['-e', `require(${JSON.stringify(p.name)})`]],
      ]
    : [];
  for (const bin of Object.keys(bins)) loads.push([`${bin} --version`, [join(project, 'node_modules', '.bin', bin), '--version']]);
  for (const [what, nodeArgs] of loads) {
    const r = await run(process.execPath, nodeArgs, { cwd: project, timeoutMs: exampleTimeoutMs });
    if (r.code !== 0) failures.push(`${what} failed (${r.code}):\n${r.output}`);
    // The built app names its own version and those of the @flow/* packages it assembles.
    else if (what.endsWith('--version') && !new RegExp(`^\\S+ ${p.manifest.version.replace(/\./g, '\\.')}\n(@flow/\\S+ \\S+\n)+$`).test(r.output)) {
      failures.push(`${what} printed ${JSON.stringify(r.output)}, expected "<app> ${p.manifest.version}" and one "@flow/<name> <version>" line per package`);
    }
  }
  // README examples.
  const blocks = runnableBlocks(readme);
  const where = (b) => `README.md:${b.line} (${b.lang} runnable)`;
  const tsBlocks = blocks.filter((b) => b.lang === 'ts');
  for (const [i, b] of blocks.entries()) {
    b.file = join(project, `example-${i + 1}.${{ js: 'mjs', cjs: 'cjs', ts: 'ts' }[b.lang]}`);
    writeFileSync(b.file, b.code);
  }
  if (tsBlocks.length) {
    // One tsc for all of the package's TypeScript examples (each is a module of its own), then a plain transpile.
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, typeRoots: [join(project, 'node_modules', '@types'), typeRoots] },
      files: tsBlocks.map((b) => b.file),
    }));
    const typed = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeoutMs: exampleTimeoutMs });
    for (const b of tsBlocks) {
      const name = b.file.slice(project.length + 1);
      const errors = typed.output.split('\n').filter((l) => l.startsWith(name));
      if (errors.length || (typed.code !== 0 && !typed.output.includes('example-'))) {
        failures.push(`${where(b)}: tsc --noEmit failed:\n${errors.length ? errors.join('\n') : typed.output}`);
        b.skip = true;
      }
      const js = ts.transpileModule(b.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      b.file = b.file.replace(/\.ts$/, '.mjs');
      writeFileSync(b.file, js);
    }
  }
  for (const b of blocks.filter((x) => !x.skip)) {
    const e0 = Date.now();
    const r = await run(process.execPath, [b.file], { cwd: project, timeoutMs: exampleTimeoutMs });
    b.seconds = (Date.now() - e0) / 1000;
    if (r.code !== 0) failures.push(`${where(b)} failed (${r.code}):\n${r.output}`);
  }
  return { p, failures, installS, tree, size: unpackedSize(tarballOf.get(p.name)), blocks };
}

const bytes = (b) => (b < 1024 * 1024 ? `${Math.max(1, Math.round(b / 1024))} kB` : `${(b / 1024 / 1024).toFixed(1)} MB`);

/** `--write-sizes`: the README's "Size" line, right after its Install block, from this run's figures. */
function writeSizeLine(r) {
  const file = join(r.p.dir, 'README.md');
  if (!existsSync(file)) return;
  const n = r.tree.names.length;
  const line = `Size: ${bytes(r.size)} unpacked; installed as above into a blank project, ${n} package${n === 1 ? '' : 's'} and ${bytes(r.tree.bytes)}\nof node_modules (release check).`;
  let text = readFileSync(file, 'utf8').replace(/\n\nSize: [^`]*?\(release check\)\./, '');
  const install = /```sh\n[^`]*?npm (?:install|i) [^\n]*\n[^`]*?```\n/.exec(text);
  if (!install) return;
  const at = install.index + install[0].length;
  text = `${text.slice(0, at)}\n${line}\n${text.slice(at)}`;
  writeFileSync(file, text);
}

// 2. Install and check, `jobs` packages at a time.
const results = [];
const queue = [...selected];
await Promise.all(Array.from({ length: Math.max(1, jobs) }, async () => {
  while (queue.length) {
    const p = queue.shift();
    const r = await check(p);
    results.push(r);
    log(`${r.failures.length ? 'FAIL' : 'ok  '} ${p.name}${r.installS ? ` (install ${r.installS.toFixed(0)} s, ${r.blocks.length} examples${r.blocks.length ? ` in ${r.blocks.reduce((s, b) => s + (b.seconds ?? 0), 0).toFixed(1)} s` : ''})` : ''}`);
  }
}));

// 3. Report.
results.sort((a, b) => a.p.name.localeCompare(b.p.name));
const rows = [['package', 'unpacked', 'installed packages', 'node_modules', 'README examples']];
for (const r of results) if (r.tree) rows.push([r.p.name, bytes(r.size), String(r.tree.names.length), bytes(r.tree.bytes), String(r.blocks.length)]);
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
const line = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
rows.splice(1, 0, widths.map((w) => '-'.repeat(w)));
process.stdout.write(`\n${rows.map(line).join('\n')}\n\n`);
if (writeSizes) for (const r of results) if (r.tree) writeSizeLine(r);
const failed = results.filter((r) => r.failures.length);
for (const r of failed) for (const f of r.failures) process.stdout.write(`✗ ${r.p.name}: ${f}\n\n`);
log(`${results.length - failed.length}/${results.length} packages passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (keep) log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exit(failed.length ? 1 : 0);
