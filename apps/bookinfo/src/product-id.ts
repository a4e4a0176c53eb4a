const NUMERIC_ID = /^\d{1,9}$/;

/** The message Istio's services answer with when the id is not a number. */
export const NON_NUMERIC_ID_ERROR = 'please provide numeric product ID';

/**
 * Parses a path segment as a product id: a non-negative integer that fits int32 (the
 * swagger's `format: int32`). Anything else is `null`, which callers answer with 400.
 */
export function parseProductId(segment: string): number | null {
  return NUMERIC_ID.test(segment) ? Number(segment) : null;
}
