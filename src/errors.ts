// Typed errors. Only the CLI entry point turns them into exit codes and messages; nothing else
// calls process.exit.
//
// Usage: throw new InputError('policies.yaml:12: spec.podSelector is required', 'add podSelector: {}');

/** Input that cannot be used at all (unreadable file, invalid YAML, invalid object): exit 2. */
export class InputError extends Error {
  readonly fix: string | undefined;

  constructor(message: string, fix?: string) {
    super(message);
    this.name = 'InputError';
    this.fix = fix;
  }
}

/** Wrong command-line usage: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A sandbox step that failed: what ran, and what it said (exit 1). Here, not in the sandbox's
 * modules, so that the CLI knows it without loading them.
 */
export class SandboxError extends Error {
  readonly fix: string | undefined;

  constructor(message: string, fix?: string) {
    super(message);
    this.name = 'SandboxError';
    this.fix = fix;
  }
}
