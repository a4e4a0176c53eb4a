import type { RuntimeFractionInput } from './route-config-input.js';
import type { RuntimeFraction } from './route-policies.js';
import type { MatcherProblem } from './string-matcher.js';

const DENOMINATORS = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

export type RuntimeFractionResult = { ok: true; fraction: RuntimeFraction } | MatcherProblem;

/** Compiles Envoy's RuntimeFractionalPercent; a problem's field is relative to it. */
export function compileRuntimeFraction(input: RuntimeFractionInput): RuntimeFractionResult {
  const { numerator, denominator = 'HUNDRED' } = input.defaultValue;
  if (!Number.isInteger(numerator) || numerator < 0 || numerator > 2 ** 32 - 1) {
    return { ok: false, field: '.defaultValue.numerator', problem: `numerator must be an integer from 0 to 2^32-1, not ${numerator}` };
  }
  const scale = DENOMINATORS[denominator] as RuntimeFraction['denominator'] | undefined;
  if (scale === undefined) {
    return { ok: false, field: '.defaultValue.denominator', problem: `denominator must be HUNDRED, TEN_THOUSAND or MILLION, not ${String(denominator)}` };
  }
  return { ok: true, fraction: Object.freeze({ numerator, denominator: scale, runtimeKey: input.runtimeKey }) };
}

/**
 * HOT PATH: no allocation. Envoy's decision for a fractional percent: `random % denominator <
 * numerator`, so the same random value always gives the same answer and a numerator at or
 * above the denominator always says yes.
 */
export function fractionSelects(fraction: RuntimeFraction, random: number): boolean {
  return (random >>> 0) % fraction.denominator < fraction.numerator;
}
