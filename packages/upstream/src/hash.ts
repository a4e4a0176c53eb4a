/**
 * Small, fast 32-bit hashes for placing endpoints on rings and tables. They need good spread,
 * not cryptographic strength; placement only has to be stable across processes and versions.
 */

/** FNV-1a over the string's UTF-16 code units. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return finalizeHash(hash);
}

/** An avalanche finalizer, so nearby inputs land far apart. */
export function finalizeHash(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two 32-bit values into one well-mixed 32-bit value. */
export function mixHashes(a: number, b: number): number {
  return finalizeHash((a ^ Math.imul(b + 0x9e3779b9, 0x27d4eb2f)) >>> 0);
}

/** Folds a 64-bit request hash to 32 bits (both halves count, so keys differing only high still differ). */
export function foldHashKey(key: bigint): number {
  // HOT PATH: two BigInt conversions; no strings, no arrays.
  return (Number(BigInt.asUintN(32, key)) ^ Number(BigInt.asUintN(32, key >> 32n))) >>> 0;
}

/** A uniform 32-bit value from a [0, 1) random source, for hashing balancers picking without a key. */
export function randomHash(random: () => number): number {
  return Math.floor(random() * 0x1_0000_0000) >>> 0;
}
