import { formatDuration } from '@flow/progress';

/** One stage's progress as a job reports it (also the message a worker process sends). */
export interface StageUpdate {
  job: string;
  stage: string;
  done: number;
  total: number;
  note?: string;
}

interface Line extends StageUpdate {
  started: number;
  stageStarted: number;
}

/**
 * Progress bars for the demo's stages on stderr: one line per running job (two run at once), redrawn in
 * place on a TTY; elsewhere a plain line per stage start/end and at most one per job every 10 s.
 */
export class DemoProgress {
  private readonly lines = new Map<string, Line>();
  private drawn = 0;
  private lastDraw = 0;
  private readonly lastPlain = new Map<string, number>();
  private readonly tty: boolean;

  constructor(
    private readonly enabled = true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(u: StageUpdate): void {
    if (!this.enabled) return;
    const now = Date.now();
    const prev = this.lines.get(u.job);
    const newStage = !prev || prev.stage !== u.stage;
    const line: Line = { ...u, started: prev?.started ?? now, stageStarted: newStage ? now : prev.stageStarted };
    this.lines.set(u.job, line);
    if (this.tty) {
      if (newStage || now - this.lastDraw > 150 || u.done >= u.total) this.redraw();
      return;
    }
    const last = this.lastPlain.get(u.job) ?? 0;
    if (newStage || u.done >= u.total || now - last > 10000) {
      this.lastPlain.set(u.job, now);
      this.stream.write(`${this.format(line)}\n`);
    }
  }

  /** A job finished: its line is replaced by a permanent message. */
  end(job: string, message: string): void {
    if (!this.enabled) return;
    this.lines.delete(job);
    this.lastPlain.delete(job);
    this.log(message);
  }

  /** A permanent line above the bars. */
  log(message: string): void {
    if (!this.enabled) return;
    if (this.tty) {
      this.clear();
      this.stream.write(`${message}\n`);
      this.redraw();
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const text = [...this.lines.values()].map((l) => this.format(l));
    for (const t of text) this.stream.write(`${t.slice(0, (this.stream.columns || 120) - 1)}\x1b[K\n`);
    this.drawn = text.length;
    this.lastDraw = Date.now();
  }

  private format(l: Line): string {
    const width = 20;
    const frac = l.total > 0 ? Math.min(1, l.done / l.total) : 1;
    const filled = Math.round(frac * width);
    const seconds = (Date.now() - l.stageStarted) / 1000;
    const eta = l.done > 0 && l.done < l.total ? ((l.total - l.done) * seconds) / l.done : l.done >= l.total ? 0 : NaN;
    return `${l.job.padEnd(22)} ${l.stage.padEnd(14)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${l.done}/${l.total}${l.note ? ` ${l.note}` : ''} ETA ${formatDuration(eta)}`;
  }
}
