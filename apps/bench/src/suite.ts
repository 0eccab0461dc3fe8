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
  run(options: SuiteOptions): Promise<number>;
}
