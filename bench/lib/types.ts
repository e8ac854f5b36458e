/** A printed result table: every cell is already formatted, so the JSON keeps numbers apart in `data`. */
export type ResultTable = {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes?: readonly string[];
};

export type ScenarioResult = {
  readonly tables: readonly ResultTable[];
  /** The raw figures, written to bench/results/<timestamp>-<scenario>.json. */
  readonly data: unknown;
};

export type ScenarioContext = {
  /** A fresh database, migrated with runMigrations, that is dropped after the scenario. */
  readonly url: string;
  /**
   * Another fresh, migrated database on the same server, dropped with the scenario's: for a cell
   * whose writes must not become the other cells' work (a baseline's orders, sagas of their own).
   */
  readonly createDatabase: () => Promise<string>;
  /** Tiny sizes and sub-second cells: proves the scenario runs, measures nothing. */
  readonly smoke: boolean;
  /** `--seconds=N`: overrides the measured seconds of each cell. */
  readonly cellSeconds?: number;
  /** `--writers=1,16`: overrides the writer counts of scenarios that sweep them. */
  readonly writers?: readonly number[];
  /** `--events=N`: overrides the log size of scenarios that generate one (projection-rebuild). */
  readonly events?: number;
  readonly log: (line: string) => void;
};

export type Scenario = {
  readonly name: string;
  readonly description: string;
  /**
   * A diagnostic that takes one figure apart rather than one of the figures Orderflow is judged
   * by: run when named and in every smoke run (so it keeps working), left out of a full run.
   */
  readonly diagnostic?: true;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
};
