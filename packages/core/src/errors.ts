// A brand shared through the global symbol registry, so an error thrown by one copy of
// a meshkit package is recognised by `instanceof` in another copy (duplicate installs).
const BRAND = Symbol.for('meshkit.error');

interface Branded {
  readonly [BRAND]: true;
  readonly code: string;
}

function isBranded(value: unknown): value is Branded {
  return typeof value === 'object' && value !== null && (value as Partial<Branded>)[BRAND] === true;
}

export interface MeshkitErrorOptions {
  readonly cause?: unknown;
}

/**
 * Base of every error meshkit throws: a stable literal `code`, the underlying `cause`,
 * and an `instanceof` that compares brand and code rather than prototype identity.
 */
export class MeshkitError extends Error {
  /** The class-level code; `undefined` on the base, which matches every meshkit error. */
  static readonly code: string | undefined = undefined;

  readonly [BRAND] = true as const;
  readonly code: string;

  constructor(code: string, message: string, options?: MeshkitErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!isBranded(value)) return false;
    return this.code === undefined || value.code === this.code;
  }
}

/** The class `defineError` makes: constructed with a message and optional cause. */
export interface MeshkitErrorClass<C extends string, A extends unknown[]> {
  new (...args: A): MeshkitError & { readonly code: C };
  readonly code: C;
}

/**
 * Makes an error class with a literal code. `format` turns the constructor's arguments into
 * the message, so each package describes its errors in one place instead of repeating classes.
 *
 * @example
 * const RouteConflictError = defineError('MESHKIT_ROUTE_CONFLICT', 'RouteConflictError',
 *   (field: string) => `duplicate domain at ${field}`);
 * throw new RouteConflictError('virtualHosts[1].domains[0]', { cause });
 */
export function defineError<const C extends string, A extends unknown[]>(
  code: C,
  name: string,
  format: (...args: A) => string,
): MeshkitErrorClass<C, [...A, MeshkitErrorOptions?]> {
  const arity = format.length;
  const ErrorClass = class extends MeshkitError {
    static override readonly code: C = code;
    declare readonly code: C;

    constructor(...args: [...A, MeshkitErrorOptions?]) {
      const options = args.length > arity ? (args[arity] as MeshkitErrorOptions | undefined) : undefined;
      const formatArgs = args.slice(0, arity) as A;
      super(code, format(...formatArgs), options);
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: name });
  Object.defineProperty(ErrorClass.prototype, 'name', { value: name, enumerable: false });
  return ErrorClass;
}

/** True when `value` is a meshkit error, optionally with the given code. */
export function isMeshkitError<C extends string>(value: unknown, code?: C): value is MeshkitError & { code: C } {
  return isBranded(value) && (code === undefined || value.code === code);
}
