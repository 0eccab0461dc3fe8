import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A `worker-main.ts` child process whose stdout lines can be awaited. */
export class WorkerProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];

  constructor(redisUrl: string, roots: string, readonly name: string) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'worker-main.cjs'), redisUrl, roots], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FLOW_BACKEND: 'cpu' },
    });
    let buffer = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
      }
    });
  }

  /** The first line (already seen or to come) matching `re`. */
  waitFor(re: RegExp, timeoutMs = 60000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms; saw:\n${this.lines.join('\n')}`)), timeoutMs);
      this.waiters.push({ re, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Kills the process with `signal` and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}
