// The versions an app assembles, written into its bundle at build time (tsup `define: __FLOW_VERSIONS__`):
// the app's own version and those of every @flow/* package it depends on, transitively, read from the
// workspace's package.json files. A bundle (tools/bundle-offline.mjs) has no package.json to read at run time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `{ '@flow/cli': '0.1.0', '@flow/data': '0.1.0', ... }` for the app in `appDir`, its own name first. */
export function flowVersions(appDir) {
  const manifests = new Map();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const file = join(root, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const m = JSON.parse(readFileSync(file, 'utf8'));
      manifests.set(m.name, m);
    }
  }
  const app = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
  const found = new Set();
  const visit = (m) => {
    for (const dep of Object.keys(m.dependencies ?? {})) {
      if (dep.startsWith('@flow/') && manifests.has(dep) && !found.has(dep)) {
        found.add(dep);
        visit(manifests.get(dep));
      }
    }
  };
  visit(app);
  return { [app.name]: app.version, ...Object.fromEntries([...found].sort().map((n) => [n, manifests.get(n).version])) };
}

/** The tsup/esbuild `define` entry that carries them. */
export function flowVersionsDefine(appDir) {
  return { __FLOW_VERSIONS__: JSON.stringify(flowVersions(appDir)) };
}
