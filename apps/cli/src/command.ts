/** One `flow` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text printed by `flow <name> --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
  /** Options naming a file the command writes: checked before it runs (folder exists, not a folder itself). */
  outputFiles?: readonly string[];
  /** Library field names in error messages and the option that sets each, e.g. memoryLimitBytes: '--memory-limit'. */
  optionForField?: Readonly<Record<string, string>>;
}
