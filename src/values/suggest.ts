// "Did you mean …?": the closest of the names allowed in a place, by edit distance
// (fastest-levenshtein), when it is close enough to be a typo.
//
// Usage: closestName('enabeld', ['enabled', 'policyName'])   // 'enabled'
//        closestName('zzz', ['enabled'])                     // undefined
import { distance } from 'fastest-levenshtein';

export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const sameButCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A typo: at most a third of the longer name changed (and at most 3 edits).
  const limit = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, best?.length ?? 0) / 3)));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
