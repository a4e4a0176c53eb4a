import { lowerAsciiCode, regionEqualsIgnoreCase } from './ascii.js';
import type { PathIndexKey } from './path-matcher.js';
import type { RequestMatcher } from './request-matcher.js';
import type { RequestView } from './request-view.js';

class PathTrieNode {
  children: Map<number, PathTrieNode> | undefined = undefined;
  /** Routes filed under the key ending here, ascending: declared order. */
  readonly routes: number[] = [];

  /** `label`: the text on the edge from the parent (a radix trie: one edge per run without branches). */
  constructor(public label: string) {}
}

/** A radix trie of path text: a walk costs one map lookup per branch, not per character. */
class PathTrie {
  readonly root = new PathTrieNode('');
  size = 0;

  insert(key: string, route: number): void {
    let node = this.root;
    let i = 0;
    while (i < key.length) {
      const code = key.charCodeAt(i);
      node.children ??= new Map();
      let child = node.children.get(code);
      if (child === undefined) {
        child = new PathTrieNode(key.slice(i));
        node.children.set(code, child);
        node = child;
        break;
      }
      let common = 0;
      while (common < child.label.length && i + common < key.length && child.label.charCodeAt(common) === key.charCodeAt(i + common)) common++;
      if (common < child.label.length) {
        // The key leaves this edge part-way: split it so the key ends, or branches, at a node.
        const middle = new PathTrieNode(child.label.slice(0, common));
        child.label = child.label.slice(common);
        middle.children = new Map([[child.label.charCodeAt(0), child]]);
        node.children.set(code, middle);
        child = middle;
      }
      node = child;
      i += common;
    }
    // Routes are inserted in declared order, so each list stays sorted.
    node.routes.push(route);
    this.size++;
  }
}

/**
 * The routes of one virtual host, filed so that a request only tests routes that could match it.
 * Prefix, exact-path and path-separated-prefix routes are filed in a trie under their path text
 * (case-sensitive ones under the text, case-insensitive ones under its ASCII lower case); walking
 * the request's path through a trie meets exactly the routes whose text starts the path. Regex
 * routes cannot be filed and are always tested.
 *
 * First match wins, in declared order: every candidate is tested with all its matchers, and the
 * answer is the lowest route number that passes. Candidates numbered above the best found so far
 * are skipped, so the walk never does more work than the linear scan it replaces.
 */
export class RouteIndex {
  private readonly sensitive = new PathTrie();
  private readonly insensitive = new PathTrie();
  private readonly unindexed: number[] = [];

  constructor(
    keys: readonly PathIndexKey[],
    private readonly matchers: readonly (readonly RequestMatcher[])[],
  ) {
    for (let route = 0; route < keys.length; route++) {
      const key = keys[route];
      if (key === undefined || key.kind === 'none') this.unindexed.push(route);
      else (key.caseSensitive ? this.sensitive : this.insensitive).insert(key.key, route);
    }
  }

  /** HOT PATH: per request. The first matching route's number, or -1; no allocation, no closures. */
  firstMatch(view: RequestView): number {
    let best = this.matchers.length;
    if (this.unindexed.length > 0) best = this.firstIn(this.unindexed, best, view);
    if (this.sensitive.size > 0) best = this.walk(this.sensitive.root, false, best, view);
    if (this.insensitive.size > 0) best = this.walk(this.insensitive.root, true, best, view);
    return best === this.matchers.length ? -1 : best;
  }

  private walk(root: PathTrieNode, foldCase: boolean, best: number, view: RequestView): number {
    const path = view.request.path;
    const end = view.pathEnd;
    let node = root;
    let i = 0;
    for (;;) {
      // Lists are ascending: nothing here can beat `best` once the first entry cannot.
      const routes = node.routes;
      if (routes.length > 0 && (routes[0] ?? best) < best) best = this.firstIn(routes, best, view);
      if (i >= end || node.children === undefined) return best;
      const code = path.charCodeAt(i);
      const child = node.children.get(foldCase ? lowerAsciiCode(code) : code);
      if (child === undefined) return best;
      // A path that ends inside the edge, or leaves it, reaches no route below it.
      const label = child.label;
      if (i + label.length > end) return best;
      if (foldCase ? !regionEqualsIgnoreCase(path, i, label) : !path.startsWith(label, i)) return best;
      i += label.length;
      node = child;
    }
  }

  private firstIn(routes: readonly number[], best: number, view: RequestView): number {
    for (let k = 0; k < routes.length; k++) {
      const route = routes[k] ?? best;
      if (route >= best) return best;
      const matchers = this.matchers[route];
      if (matchers !== undefined && matchesAll(matchers, view)) return route;
    }
    return best;
  }
}

/** HOT PATH: every matcher of one route; stops at the first that refuses. */
export function matchesAll(matchers: readonly RequestMatcher[], view: RequestView): boolean {
  for (let m = 0; m < matchers.length; m++) {
    if (matchers[m]?.matches(view) !== true) return false;
  }
  return true;
}
