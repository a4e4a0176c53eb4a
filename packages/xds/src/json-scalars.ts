import { Buffer } from 'node:buffer';
import { InvalidValueError } from './errors.js';
import { displayPath } from './field-path.js';

// Proto3 JSON rules for scalars, strict enough that a typo fails loudly instead of
// protobufjs quietly coercing it to zero.

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const INTEGER_STRING = /^-?\d+$/;

const SIGNED_32 = new Set(['int32', 'sint32', 'sfixed32']);
const UNSIGNED_32 = new Set(['uint32', 'fixed32']);
const SIGNED_64 = new Set(['int64', 'sint64', 'sfixed64']);
const UNSIGNED_64 = new Set(['uint64', 'fixed64']);

function invalid(path: string, reason: string): InstanceType<typeof InvalidValueError> {
  return new InvalidValueError(displayPath(path), reason);
}

function floatFromJson(protoType: string, value: unknown, path: string): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (value === 'NaN') number = Number.NaN;
  else if (value === 'Infinity') number = Number.POSITIVE_INFINITY;
  else if (value === '-Infinity') number = Number.NEGATIVE_INFINITY;
  else if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) number = Number(value);
  else throw invalid(path, `expected a number for ${protoType}, got ${JSON.stringify(value)}`);
  if (protoType === 'float' && Number.isFinite(number) && Math.abs(number) > FLOAT_MAX) {
    throw invalid(path, `${number} is out of range for float`);
  }
  return number;
}

function int32FromJson(protoType: string, value: unknown, path: string): number {
  const number = typeof value === 'string' && INTEGER_STRING.test(value) ? Number(value) : value;
  const range = SIGNED_32.has(protoType) ? INT32 : UINT32;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < range.min || number > range.max) {
    throw invalid(path, `expected an integer in [${range.min}, ${range.max}] for ${protoType}, got ${JSON.stringify(value)}`);
  }
  return number;
}

function int64FromJson(protoType: string, value: unknown, path: string): string {
  let big: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && INTEGER_STRING.test(value)) big = BigInt(value);
  else {
    throw invalid(path, `expected an integer (a string beyond 2^53) for ${protoType}, got ${JSON.stringify(value)}`);
  }
  const range = SIGNED_64.has(protoType) ? INT64 : UINT64;
  if (big < range.min || big > range.max) throw invalid(path, `${big} is out of range for ${protoType}`);
  return big.toString();
}

function bytesFromJson(value: unknown, path: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && BASE64.test(value)) return Buffer.from(value, 'base64');
  throw invalid(path, 'expected base64 text for bytes');
}

/** A JSON value for a scalar field → the value protobufjs encodes (64-bit ints as decimal strings). */
export function scalarFromJson(protoType: string, value: unknown, path: string): unknown {
  switch (protoType) {
    case 'double':
    case 'float':
      return floatFromJson(protoType, value, path);
    case 'bool':
      if (typeof value !== 'boolean') throw invalid(path, `expected true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw invalid(path, `expected a string, got ${JSON.stringify(value)}`);
      return value;
    case 'bytes':
      return bytesFromJson(value, path);
    default:
      if (SIGNED_32.has(protoType) || UNSIGNED_32.has(protoType)) return int32FromJson(protoType, value, path);
      if (SIGNED_64.has(protoType) || UNSIGNED_64.has(protoType)) return int64FromJson(protoType, value, path);
      throw invalid(path, `unsupported scalar type ${protoType}`);
  }
}

/** The shortest decimal that reads back as the same 32-bit float (0.1, not 0.10000000149011612). */
function shortestFloat(value: number): number {
  for (let digits = 1; digits <= 9; digits += 1) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function nonFiniteToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** A Long, number or string from protobufjs → a JSON number when exact, else a decimal string. */
export function int64ToJson(value: unknown): number | string {
  // protobufjs hands back a Long (whose toString is exact), a number, or a string.
  const text = typeof value === 'object' && value !== null ? (value as { toString(): string }).toString() : String(value);
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : text;
}

/** A decoded scalar → its JSON form. */
export function scalarToJson(protoType: string, value: unknown): unknown {
  switch (protoType) {
    case 'double':
      return nonFiniteToJson(value as number);
    case 'float': {
      const json = nonFiniteToJson(value as number);
      return typeof json === 'number' ? shortestFloat(json) : json;
    }
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      if (SIGNED_64.has(protoType) || UNSIGNED_64.has(protoType)) return int64ToJson(value);
      return value;
  }
}
