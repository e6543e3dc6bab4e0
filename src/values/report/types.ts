// The shapes shared by the stages of `validate` (read → merge → check schema → check semantics →
// format).

import type { Path, RuleProblem, Severity } from '../../model/rules/index.ts';

export type { Path, Severity };

/** One problem of the values, where the user wrote it. */
export type Problem = {
  /** The values file that set the offending key (the LAST -f file that sets it), or `(chart default)`. */
  file: string;
  /** 1-based line of the key (or list item) in `file`; 0 for `(chart default)`. */
  line: number;
  /** 1-based column of the key (or list item) in `file`; 0 for `(chart default)`. */
  column: number;
  /** 1-based column just after the key (or the item, when on one line): the caret spans column…endColumn. */
  endColumn: number;
  /** The values path, as Helm's messages write it: `connections.api.to.component`, `networks.rds.cidrs[0]`. */
  path: string;
  message: string;
  /** How to correct it ('' when there is nothing more to say than the message). */
  fix: string;
  severity: Severity;
  /** The id of the rule that found it (src/model/rules/, docs/values-checks.md); absent for the schema's and the YAML text's problems. */
  rule?: string;
};

/** What the files define once merged (enabled components and connections, all networks). */
export type ValuesSummary = { components: number; connections: number; networks: number };

export type ValidationResult = {
  /** The files, in the order given (later ones win, like `helm -f a -f b`). */
  files: string[];
  /** No error (warnings allowed). */
  valid: boolean;
  /** Every error and warning, sorted by file (in the order given), line and column. */
  problems: Problem[];
  summary: ValuesSummary;
  /** The text of each file, for code frames. */
  sources: Record<string, string>;
};

/** The file name used for a problem the user's files did not write. */
export const CHART_DEFAULT = '(chart default)';

/** Where a key (or list item) was written. */
export type Position = { file: string; line: number; column: number; endColumn: number };

/**
 * A problem found by a check, before it is mapped back to a file: a rule's (src/model/rules/), or
 * the schema's and the YAML text's, which have no rule id.
 */
export type Finding = Omit<RuleProblem, 'rule'> & {
  rule?: string;
  /** A position known at once (problems of the YAML text itself). */
  at?: Position;
};
