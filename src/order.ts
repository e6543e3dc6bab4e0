// One deterministic order for everything the tools print or generate: strings by UTF-16 code unit
// (JavaScript's `<`), never by locale, so output is the same on every machine.
//
// Usage: names.sort(compareText);  for (const [key, value] of sortedEntries(record)) …

/** Compares two strings by code unit: a negative number, zero or a positive number. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries of a record sorted by key (Go's template order for a map: sorted keys). */
export function sortedEntries<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => compareText(a, b));
}
