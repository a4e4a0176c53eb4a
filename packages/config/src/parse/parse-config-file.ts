import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node } from 'yaml';
import { ConfigParseError } from '../errors.js';
import type { ConfigResource, LineColumn } from './config-resource.js';
import { splitFieldPath } from './field-path.js';
import { isRecord, stringEntries } from '../plain-json.js';

type ParsedDocument = Document.Parsed;

/**
 * Parses a multi-document YAML file into resources that remember where each field came from.
 * Empty documents are skipped and `kind: List` is expanded into its items.
 * Throws `ConfigParseError` (naming file:line:column) for YAML that does not parse.
 */
export function parseConfigFile(text: string, file: string): ConfigResource[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const locate = (offset: number): LineColumn => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const resources: ConfigResource[] = [];
  for (const doc of documents) {
    const firstError = doc.errors[0];
    if (firstError) {
      throw new ConfigParseError({ file, ...locate(firstError.pos[0]) }, firstError.message, { cause: firstError });
    }
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) continue;
    if (!isMap(root)) {
      throw new ConfigParseError({ file, ...locate(root.range?.[0] ?? 0) }, 'a document must be a mapping');
    }
    const kind = root.get('kind', true);
    const items = isScalar(kind) && String(kind.value) === 'List' ? root.get('items', true) : undefined;
    if (isSeq(items)) {
      for (const item of items.items) {
        if (!isMap(item)) {
          const offset = isNode(item) ? (item.range?.[0] ?? 0) : 0;
          throw new ConfigParseError({ file, ...locate(offset) }, 'an item of a List must be a mapping');
        }
        resources.push(toResource(doc, item, file, locate));
      }
      continue;
    }
    resources.push(toResource(doc, root, file, locate));
  }
  return resources;
}

function toResource(doc: ParsedDocument, root: Node, file: string, locate: (offset: number) => LineColumn): ConfigResource {
  const raw = root.toJS(doc) as Record<string, unknown>;
  const metadata = isRecord(raw['metadata']) ? raw['metadata'] : {};
  const start = locate(root.range?.[0] ?? 0);
  return {
    apiVersion: typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : '',
    kind: typeof raw['kind'] === 'string' ? raw['kind'] : '',
    metadata: {
      name: typeof metadata['name'] === 'string' ? metadata['name'] : '',
      namespace: typeof metadata['namespace'] === 'string' && metadata['namespace'] !== '' ? metadata['namespace'] : 'default',
      labels: stringEntries(metadata['labels']),
      annotations: stringEntries(metadata['annotations']),
    },
    spec: raw['spec'],
    raw,
    source: { file, ...start },
    positionOf(fieldPath: string): LineColumn | undefined {
      const segments = splitFieldPath(fieldPath);
      if (segments === null) return undefined;
      const node = findNode(doc, root, segments);
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : locate(offset);
    },
  };
}

/** The node to point at for a path: a field's key, or a sequence item. */
function findNode(doc: ParsedDocument, root: Node, segments: readonly (string | number)[]): Node | undefined {
  let current: unknown = root;
  let pointAt: Node = root;
  for (const segment of segments) {
    if (isAlias(current)) current = current.resolve(doc);
    if (typeof segment === 'string') {
      if (!isMap(current)) return undefined;
      const pair = current.items.find((candidate) => isScalar(candidate.key) && String(candidate.key.value) === segment);
      if (!pair || !isNode(pair.key)) return undefined;
      pointAt = pair.key;
      current = pair.value;
    } else {
      if (!isSeq(current)) return undefined;
      const item: unknown = current.items[segment];
      if (!isNode(item)) return undefined;
      pointAt = item;
      current = item;
    }
  }
  return pointAt;
}
