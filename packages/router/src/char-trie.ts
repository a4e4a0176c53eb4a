import { lowerAsciiCode } from './ascii.js';

class TrieNode<T> {
  children: Map<number, TrieNode<T>> | undefined = undefined;
  value: T | undefined = undefined;
}

/**
 * Keys of ASCII lower-case text, looked up by walking a request's host in either direction.
 * Walking finds the longest stored key that is a strict suffix (or prefix) of the host in
 * one pass and without slicing the host, which a map of substrings per key length cannot do.
 */
export class CharTrie<T> {
  private readonly root = new TrieNode<T>();

  /** Stores `value` under `key` (read backwards when `reversed`); false if the key is taken. */
  insert(key: string, value: T, reversed: boolean): boolean {
    let node = this.root;
    for (let step = 0; step < key.length; step++) {
      const code = key.charCodeAt(reversed ? key.length - 1 - step : step);
      node.children ??= new Map();
      let child = node.children.get(code);
      if (child === undefined) {
        child = new TrieNode<T>();
        node.children.set(code, child);
      }
      node = child;
    }
    if (node.value !== undefined) return false;
    node.value = value;
    return true;
  }

  /**
   * HOT PATH: runs per request; no allocation, no slicing.
   * The value of the longest key that is a suffix of text[0, end) and shorter than it:
   * a wildcard must stand for at least one character.
   */
  longestStrictSuffix(text: string, end: number): T | undefined {
    let node: TrieNode<T> | undefined = this.root;
    let best: T | undefined;
    for (let i = end - 1; i >= 1; i--) {
      node = node.children?.get(lowerAsciiCode(text.charCodeAt(i)));
      if (node === undefined) break;
      if (node.value !== undefined) best = node.value;
    }
    return best;
  }

  /** HOT PATH: as `longestStrictSuffix`, from the front. */
  longestStrictPrefix(text: string, end: number): T | undefined {
    let node: TrieNode<T> | undefined = this.root;
    let best: T | undefined;
    for (let i = 0; i < end - 1; i++) {
      node = node.children?.get(lowerAsciiCode(text.charCodeAt(i)));
      if (node === undefined) break;
      if (node.value !== undefined) best = node.value;
    }
    return best;
  }
}
