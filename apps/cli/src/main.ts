import { runCli } from './run-cli';

runCli(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: Dawn (WebGPU) keeps the event loop alive after the work is done. Writes to pipes and
    // files are synchronous on POSIX, so nothing printed is lost.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`flow: ${String(error)}\n`);
    process.exit(1);
  },
);
