// Shared by the packages' scripts/build-wasm.mjs: assembles WebAssembly text with wabt (a devDependency of
// the calling package) and writes the generated files, or with `check` compares them with the committed ones,
// so that a package builds from a fresh clone without the step and a test catches a stale binary.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The base64 binary of `wat` (validated), assembled with the given wabt instance and features. */
export function assembleBase64(wabt, fileName, wat, features) {
  const mod = wabt.parseWat(fileName, wat, features);
  try {
    mod.validate(features);
    return Buffer.from(mod.toBinary({}).buffer).toString('base64');
  } finally {
    mod.destroy();
  }
}

/**
 * Writes `files` (path relative to `root` -> text), or with `check` writes nothing and exits 1 naming the
 * files that differ from the committed ones.
 */
export function writeOrCheck(root, files, check) {
  if (check) {
    const stale = Object.keys(files).filter((f) => {
      try {
        return readFileSync(join(root, f), 'utf8') !== files[f];
      } catch {
        return true;
      }
    });
    if (stale.length > 0) {
      console.error(`differs from a fresh build: ${stale.join(', ')} (run node scripts/build-wasm.mjs and commit the result)`);
      process.exit(1);
    }
    console.log(`up to date: ${Object.keys(files).join(', ')}`);
    return;
  }
  for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
  console.log(`wrote ${Object.keys(files).join(', ')}`);
}
