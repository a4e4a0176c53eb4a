/** Header names (lower-case) and values, repeats as arrays: what meshkit's codecs and filters hand on. */
export type HeaderFields = Record<string, string | string[] | undefined>;

/**
 * The prototype of header maps: empty, and with no prototype of its own, so that a field named
 * `constructor` or `__proto__` is a field like any other, not a property or a setter that every
 * plain object inherits. A map made from it keeps V8's fast layout; one made by
 * `Object.create(null)` starts as a hash table: a tenth more instructions per proxied request.
 */
const NO_INHERITED_FIELDS = Object.create(null) as object;
const EmptyHeaderFields = function EmptyHeaderFields(): void {} as unknown as new () => HeaderFields;
EmptyHeaderFields.prototype = NO_INHERITED_FIELDS;

/** An empty header map that inherits no properties. */
export function newHeaderFields(): HeaderFields {
  return new EmptyHeaderFields();
}

/** A copy of `from` without the field `except`, in a map that inherits no properties. */
export function copyHeaderFields(from: Readonly<HeaderFields>, except?: string): HeaderFields {
  const out = newHeaderFields();
  for (const name in from) if (name !== except) out[name] = from[name];
  return out;
}
