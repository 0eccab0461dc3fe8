import { formatDuration } from './format-duration';

/** A one-line progress bar on stderr: step, loss, steps/s and ETA. Plain lines when stderr is not a TTY. */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastStep = -1;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly start: number,
    private readonly label = 'train',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(step: number, loss: number, force = false): void {
    const now = Date.now();
    const interval = this.tty ? 100 : 5000;
    if (!force && now - this.lastDraw < interval && step < this.total) return;
    if (force && step === this.lastStep) return;
    this.lastDraw = now;
    this.lastStep = step;
    const done = step - this.start;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (this.total - step) / rate : NaN;
    const width = 24;
    const frac = this.total > 0 ? Math.min(1, step / this.total) : 1;
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const line = `${this.label} [${bar}] ${step}/${this.total} loss ${formatLoss(loss)} ${rate.toFixed(rate < 10 ? 2 : 1)} steps/s ETA ${formatDuration(eta)}`;
    this.stream.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  finish(step: number, loss: number): void {
    this.update(step, loss, true);
    if (this.tty) this.stream.write('\n');
  }
}

function formatLoss(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
