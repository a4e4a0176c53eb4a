// Envoy folds case with ASCII rules only (absl::AsciiStrToLower), so these helpers do the same:
// a non-ASCII letter never equals its Unicode lower case. They compare in place, without
// building lower-cased copies, because they run per request.

const UPPER_A = 65;
const UPPER_Z = 90;

/** The ASCII lower case of one UTF-16 code unit. */
export function lowerAsciiCode(code: number): number {
  return code >= UPPER_A && code <= UPPER_Z ? code + 32 : code;
}

/** True when `value` has no ASCII upper-case letter in [0, end). */
export function isAsciiLowerCase(value: string, end = value.length): boolean {
  for (let i = 0; i < end; i++) {
    const code = value.charCodeAt(i);
    if (code >= UPPER_A && code <= UPPER_Z) return false;
  }
  return true;
}

function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 127) return false;
  return true;
}

/** `value` with ASCII letters lower-cased and everything else untouched. */
export function toAsciiLowerCase(value: string): string {
  if (isAsciiLowerCase(value)) return value;
  // For pure ASCII the built-in agrees with ASCII folding and makes a single copy.
  if (isAscii(value)) return value.toLowerCase();
  let out = '';
  for (let i = 0; i < value.length; i++) out += String.fromCharCode(lowerAsciiCode(value.charCodeAt(i)));
  return out;
}

/** Whether value[offset, offset + lowerPattern.length) equals `lowerPattern`, ignoring ASCII case. */
export function regionEqualsIgnoreCase(value: string, offset: number, lowerPattern: string): boolean {
  if (offset < 0 || offset + lowerPattern.length > value.length) return false;
  for (let i = 0; i < lowerPattern.length; i++) {
    if (lowerAsciiCode(value.charCodeAt(offset + i)) !== lowerPattern.charCodeAt(i)) return false;
  }
  return true;
}

/** `lowerPattern` must already be ASCII lower case. */
export function includesIgnoreCase(value: string, lowerPattern: string): boolean {
  const last = value.length - lowerPattern.length;
  for (let offset = 0; offset <= last; offset++) {
    if (regionEqualsIgnoreCase(value, offset, lowerPattern)) return true;
  }
  return false;
}
