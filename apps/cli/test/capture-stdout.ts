/** Runs a command with stdout captured and stderr silenced; restores both however it ends. */
export function captureStdout(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  return fn().then(
    (code) => ((process.stdout.write = write), (process.stderr.write = err), { code, out }),
    (e: unknown) => {
      process.stdout.write = write;
      process.stderr.write = err;
      throw e;
    },
  );
}
