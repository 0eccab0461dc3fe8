/** One `flow-bench` suite. It prints its table on stdout (or one JSON object with --json). */
export interface SuiteOptions {
  json: boolean;
  quick: boolean;
  /** Remaining suite-specific arguments. */
  args: string[];
}

export interface Suite {
  name: string;
  summary: string;
  /** Options beyond --json / --quick, printed by `flow-bench <suite> --help`. */
  usage?: string;
  run(options: SuiteOptions): Promise<number>;
}
