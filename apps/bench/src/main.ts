import { suites } from './suites/index';
import { benchVersions } from './versions';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`usage: flow-bench <suite> [--json] [--quick]\n\nsuites:\n${suites.map((s) => `  ${s.name.padEnd(9)} ${s.summary}`).join('\n')}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    // flow-bench's own version first, then every @flow/* package it measures.
    const [[, own] = ['', 'unknown'], ...measured] = Object.entries(benchVersions);
    process.stdout.write([`flow-bench ${own}`, ...measured.map(([n, v]) => `${n} ${v}`), ''].join('\n'));
    return 0;
  }
  const suite = suites.find((s) => s.name === name);
  if (!suite) {
    process.stderr.write(`flow-bench: unknown suite '${name}' (expected one of: ${suites.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    // Help never starts a measurement: some suites run for an hour.
    process.stdout.write(`usage: flow-bench ${suite.name} [--json] [--quick]${suite.usage ? ` ${suite.usage}` : ''}\n\n${suite.summary}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  const quick = rest.includes('--quick');
  const args = rest.filter((a) => a !== '--json' && a !== '--quick');
  return suite.run({ json, quick, args });
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: Dawn (WebGPU) keeps the event loop alive after the work is done. Writes to pipes and
    // files are synchronous on POSIX, so nothing printed is lost.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`flow-bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
