import { Buffer } from 'node:buffer';
// XXH64, the hash Envoy uses for hash policies, so a meshkit proxy and an Envoy put the same
// request on the same ring position. Written over BigInt: it runs once per request that has a
// hash policy, never in route matching.

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(value: bigint, bits: bigint): bigint {
  return ((value << bits) | (value >> (64n - bits))) & MASK;
}

function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
}

function mergeRound(acc: bigint, value: bigint): bigint {
  return (((acc ^ round(0n, value)) * P1) & MASK) + P4 & MASK;
}

function lane64(bytes: Uint8Array, at: number): bigint {
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i] ?? 0);
  return value;
}

function lane32(bytes: Uint8Array, at: number): bigint {
  return BigInt(((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0);
}

/** XXH64 of the UTF-8 bytes of `text` with `seed`, as an unsigned 64-bit BigInt. */
export function xxHash64(text: string, seed = 0n): bigint {
  const bytes = Buffer.from(text, 'utf8');
  const length = bytes.length;
  let offset = 0;
  let hash: bigint;
  if (length >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed & MASK;
    let v4 = (seed - P1) & MASK;
    for (; offset + 32 <= length; offset += 32) {
      v1 = round(v1, lane64(bytes, offset));
      v2 = round(v2, lane64(bytes, offset + 8));
      v3 = round(v3, lane64(bytes, offset + 16));
      v4 = round(v4, lane64(bytes, offset + 24));
    }
    hash = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    hash = mergeRound(hash, v1);
    hash = mergeRound(hash, v2);
    hash = mergeRound(hash, v3);
    hash = mergeRound(hash, v4);
  } else {
    hash = (seed + P5) & MASK;
  }
  hash = (hash + BigInt(length)) & MASK;
  for (; offset + 8 <= length; offset += 8) {
    hash ^= round(0n, lane64(bytes, offset));
    hash = (rotl(hash, 27n) * P1 + P4) & MASK;
  }
  if (offset + 4 <= length) {
    hash ^= (lane32(bytes, offset) * P1) & MASK;
    hash = (rotl(hash, 23n) * P2 + P3) & MASK;
    offset += 4;
  }
  for (; offset < length; offset++) {
    hash ^= (BigInt(bytes[offset] ?? 0) * P5) & MASK;
    hash = (rotl(hash, 11n) * P1) & MASK;
  }
  hash ^= hash >> 33n;
  hash = (hash * P2) & MASK;
  hash ^= hash >> 29n;
  hash = (hash * P3) & MASK;
  hash ^= hash >> 32n;
  return hash;
}
