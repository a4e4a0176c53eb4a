/**
 * Splits an Istio-style field path (`spec.http[0].route[1].weight`) into keys and indexes.
 * Returns `null` for a malformed path.
 */
export function splitFieldPath(fieldPath: string): (string | number)[] | null {
  const segments: (string | number)[] = [];
  if (fieldPath === '') return segments;
  for (const part of fieldPath.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) return null;
    const [, key = '', indexes = ''] = match;
    if (key === '' && indexes === '') return null;
    if (key !== '') segments.push(key);
    for (const index of indexes.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** The inverse of `splitFieldPath`. */
export function joinFieldPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
