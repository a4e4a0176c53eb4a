import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';

/** Where a field was written: 1-based line and column. */
export interface FieldLocation {
  readonly line: number;
  readonly column: number;
}

/** A parsed YAML (or JSON) text that can say where each field of it was written. */
export interface LocatedDocument {
  /** The document as plain data (`null` for an empty text). */
  readonly value: unknown;
  /**
   * Where the field at `path` (`static_resources.listeners[0].name`, the form errors name fields
   * in) was written: its key, or its item in a list. A field that is missing is placed at the
   * nearest of its parents that is there.
   */
  locate(path: string): FieldLocation | undefined;
}

/** Parses `text`; throws the parser's first error (which names its line and column) if it is not YAML. */
export function parseLocated(text: string): LocatedDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const [error] = document.errors;
  if (error !== undefined) throw error;
  return {
    value: document.toJS() as unknown,
    locate: (path) => {
      const offset = offsetOf(document, path);
      if (offset === undefined) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    },
  };
}

/** `a.b[0].c` as `['a', 'b', 0, 'c']`; a key may itself hold dots (`envoy.filters.http.router`). */
function segmentsOf(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    const match = /^(.*?)((?:\[\d+\])*)$/.exec(part);
    if (match?.[1]) segments.push(match[1]);
    for (const index of (match?.[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** The offset of the deepest node on `path` that the document has. */
function offsetOf(document: Document, path: string): number | undefined {
  const segments = segmentsOf(path);
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (let i = 0; i < segments.length; ) {
    const segment = segments[i];
    if (typeof segment === 'number') {
      const item = isSeq(node) ? (node.items[segment] as Node | undefined) : undefined;
      if (item?.range == null) break;
      offset = item.range[0];
      node = item;
      i++;
      continue;
    }
    const found = isMap(node) ? findKey(node, segments, i) : undefined;
    if (found === undefined) break;
    offset = (found.pair.key as Node).range?.[0] ?? offset;
    node = found.pair.value;
    i = found.next;
  }
  return offset;
}

/**
 * The pair whose key is the longest run of names from `segments[from]` joined by dots (so that
 * `typed_per_filter_config.envoy.filters.http.fault` finds the filter's key), and where the path
 * goes on after it.
 */
function findKey(map: YAMLMap, segments: readonly (string | number)[], from: number): { pair: Pair; next: number } | undefined {
  // A key is made of names only: the run stops at the first list index.
  let names = from;
  while (names < segments.length && typeof segments[names] === 'string') names++;
  for (let end = names; end > from; end--) {
    const key = segments.slice(from, end).join('.');
    const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair !== undefined) return { pair, next: end };
  }
  return undefined;
}
