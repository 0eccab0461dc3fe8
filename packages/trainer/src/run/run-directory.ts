import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type NdArray } from '@flow/io';
import { TrainerInputError } from '../errors';
import { CONFIG_FORMAT, type TrainConfig } from '../train-config';
import { readCheckpointFile, readNetWeightsFile, writeCheckpointFile, writeNetWeightsFile } from './checkpoint-file';
import type { RunCheckpoint } from './run-checkpoint';

const CONFIG_FILE = 'config.json';
const CHECKPOINT_DIR = 'checkpoints';
const LOG_FILE = 'log.jsonl';
const EMA_DIR = 'ema';
const MODEL_WEIGHTS_FILE = 'model.safetensors';
const CHECKPOINT_NAME = /^step-(\d{8,})\.safetensors$/;

/** The network's weights as a sampler loads them, from an export or the newest good checkpoint. */
export interface NetWeights {
  params: Record<string, NdArray>;
  /** Stored buffers (empty when the file has none: then they come from the run's seed). */
  buffers: Record<string, NdArray>;
  /** Training step of the weights (null for an export such as `model.safetensors`). */
  step: number | null;
  file: string;
}

/**
 * A run directory, and the only code that knows its layout: the config file, the checkpoint naming rule and
 * format (`checkpoint-file.ts`), the log, the EMA snapshot folder and the exported weights file. The trainer,
 * the model loader and the CLI's `train`, `sample`, `solve`, `bespoke`, `fid` and `ema` all go through it.
 * A directory becomes a run when its complete config is written (atomically); nothing is created before.
 */
export class RunDirectory {
  constructor(readonly dir: string) {}

  /** Where the run's config lives (what `flow ema reconstruct` copies next to its weights). */
  get configFile(): string {
    return path.join(this.dir, CONFIG_FILE);
  }

  get checkpointDir(): string {
    return path.join(this.dir, CHECKPOINT_DIR);
  }

  /** One JSON line per logged step. */
  get logFile(): string {
    return path.join(this.dir, LOG_FILE);
  }

  /** The EMA snapshot folder (what `flow ema reconstruct --snapshots` reads). */
  get emaDir(): string {
    return path.join(this.dir, EMA_DIR);
  }

  /** The weights file a model directory exports (e.g. EMA-reconstructed weights), named like the network's variables. */
  get modelWeightsFile(): string {
    return path.join(this.dir, MODEL_WEIGHTS_FILE);
  }

  /** The run directory holding an EMA snapshot folder (`RUN/ema` -> `RUN`). */
  static ofEmaDir(snapshotDir: string): RunDirectory {
    return new RunDirectory(path.dirname(path.resolve(snapshotDir)));
  }

  checkpointFile(step: number): string {
    return path.join(this.checkpointDir, `step-${String(step).padStart(8, '0')}.safetensors`);
  }

  /** Whether the directory already holds (part of) a run: a config or checkpoints. */
  holdsRun(): boolean {
    return existsSync(this.dir) && readdirSync(this.dir).some((n) => n === CONFIG_FILE || n === CHECKPOINT_DIR);
  }

  hasConfig(): boolean {
    return existsSync(this.configFile);
  }

  /** Reads the run's config, with a clear error naming the file. */
  readConfig(): TrainConfig {
    const file = this.configFile;
    if (!existsSync(file)) throw new TrainerInputError(`${file}: not found (is ${this.dir} a run directory written by flow train?)`);
    let config: TrainConfig;
    try {
      config = JSON.parse(readFileSync(file, 'utf8')) as TrainConfig;
    } catch (error) {
      throw new TrainerInputError(`${file}: not valid JSON (${(error as Error).message})`);
    }
    if (config.format !== CONFIG_FORMAT) throw new TrainerInputError(`${file}: format '${String(config.format)}', expected '${CONFIG_FORMAT}'`);
    return config;
  }

  /** Writes the config atomically, creating the directory: from here on the directory is a run. */
  writeConfig(config: TrainConfig): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.configFile, `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Writes the model's weights (`model.safetensors`): network variables by name, plus its buffers. */
  writeModelWeights(params: Record<string, NdArray>, buffers: Record<string, NdArray>, metadata: Record<string, string> = {}): void {
    mkdirSync(this.dir, { recursive: true });
    writeNetWeightsFile(this.modelWeightsFile, params, buffers, metadata);
  }

  /** Copies this run's config into `dir` (a model directory of exported weights), if there is one. */
  copyConfigTo(dir: string): void {
    const target = new RunDirectory(dir).configFile;
    if (this.hasConfig() && path.resolve(this.configFile) !== path.resolve(target)) writeFileAtomic(target, readFileSync(this.configFile));
  }

  /** Checkpoint files, newest first (by step in the name). Temp files and strays are ignored. */
  listCheckpoints(): { step: number; file: string }[] {
    const dir = this.checkpointDir;
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((name) => ({ m: CHECKPOINT_NAME.exec(name), name }))
      .filter((e): e is { m: RegExpExecArray; name: string } => e.m !== null)
      .map((e) => ({ step: Number(e.m[1]), file: path.join(dir, e.name) }))
      .sort((a, b) => b.step - a.step);
  }

  /** Reads and validates one checkpoint file; throws on anything incomplete. */
  readCheckpoint(file: string): RunCheckpoint {
    return readCheckpointFile(file);
  }

  /**
   * The newest checkpoint that reads back completely, and its file. Newer files that fail (a truncated write
   * from a killed run on a file system without atomic rename, a corrupted copy) are reported through `onSkip`.
   */
  latestCheckpoint(onSkip?: (file: string, reason: string) => void): { checkpoint: RunCheckpoint; file: string } | null {
    for (const { file } of this.listCheckpoints()) {
      try {
        return { checkpoint: readCheckpointFile(file), file };
      } catch (error) {
        onSkip?.(file, (error as Error).message);
      }
    }
    return null;
  }

  /** Writes the checkpoint of `checkpoint.step` atomically, then keeps only the newest `keep` (0 keeps all). */
  writeCheckpoint(checkpoint: RunCheckpoint, keep = 0): string {
    const file = this.checkpointFile(checkpoint.step);
    mkdirSync(this.checkpointDir, { recursive: true });
    writeCheckpointFile(file, checkpoint);
    if (keep > 0) for (const old of this.listCheckpoints().slice(keep)) rmSync(old.file, { force: true });
    return file;
  }

  /**
   * The network's weights for sampling: `weights` if given (a safetensors file of the network's variables,
   * e.g. from `flow ema reconstruct`), else the exported `model.safetensors` when present, else the newest
   * good checkpoint.
   */
  readNetWeights(options: { weights?: string; onSkip?: (file: string, reason: string) => void } = {}): NetWeights {
    const exported = options.weights ?? this.modelWeightsFile;
    if (options.weights !== undefined || existsSync(exported)) {
      if (!existsSync(exported)) throw new TrainerInputError(`${exported}: weights file not found`);
      try {
        return { ...readNetWeightsFile(exported), step: null, file: exported };
      } catch (error) {
        throw new TrainerInputError(`${exported}: ${(error as Error).message}`);
      }
    }
    const latest = this.latestCheckpoint(options.onSkip);
    if (!latest) throw new TrainerInputError(`${this.dir}: no readable checkpoint in ${this.checkpointDir}`);
    const { net, step } = latest.checkpoint;
    return { params: net.params, buffers: net.buffers, step, file: latest.file };
  }

  /** Appends one JSON line to the run's log. */
  appendLog(entry: Record<string, unknown>): void {
    appendFileSync(this.logFile, `${JSON.stringify(entry)}\n`);
  }

  /** Reads the log (skipping a torn last line). */
  readLog(): Record<string, unknown>[] {
    if (!existsSync(this.logFile)) return [];
    const out: Record<string, unknown>[] = [];
    for (const line of readFileSync(this.logFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut short by a kill; ignore it
      }
    }
    return out;
  }

  /** On resume: drops log lines of steps after `step` (they will be redone). */
  truncateLog(step: number): void {
    if (!existsSync(this.logFile)) return;
    const kept = this.readLog().filter((e) => typeof e.step !== 'number' || e.step <= step);
    writeFileAtomic(this.logFile, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}
