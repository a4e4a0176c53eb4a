import { describe, expect, it } from 'vitest';
import { ConfigParseError } from '../errors.js';
import { parseConfigFile } from './parse-config-file.js';

const TWO_DOCUMENTS = `# leading comment
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  labels:
    app: reviews
spec:
  hosts: [reviews]
  http:
    - route:
      - destination: {host: reviews, subset: v1}
        weight: 50
      - destination: {host: reviews, subset: v3}
        weight: 50
---
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-reviews
  namespace: bookinfo
`;

describe('parseConfigFile', () => {
  it('reads every non-empty document with its kind, metadata and plain spec', () => {
    const resources = parseConfigFile(TWO_DOCUMENTS, 'reviews.yaml');
    expect(resources.map((r) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'VirtualService default/reviews',
      'ServiceAccount bookinfo/bookinfo-reviews',
    ]);
    const [virtualService] = resources;
    expect(virtualService?.apiVersion).toBe('networking.istio.io/v1');
    expect(virtualService?.metadata.labels).toEqual({ app: 'reviews' });
    expect(virtualService?.spec).toEqual({
      hosts: ['reviews'],
      http: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
            { destination: { host: 'reviews', subset: 'v3' }, weight: 50 },
          ],
        },
      ],
    });
  });

  it('knows where each document and field starts', () => {
    const [virtualService, account] = parseConfigFile(TWO_DOCUMENTS, 'reviews.yaml');
    expect(virtualService?.source).toEqual({ file: 'reviews.yaml', line: 3, column: 1 });
    expect(account?.source).toEqual({ file: 'reviews.yaml', line: 19, column: 1 });
    expect(virtualService?.positionOf('spec.http[0].route[1].weight')).toEqual({ line: 16, column: 9 });
    expect(virtualService?.positionOf('spec.http[0].route[1]')).toEqual({ line: 15, column: 9 });
    expect(virtualService?.positionOf('spec.hosts[0]')).toEqual({ line: 10, column: 11 });
    expect(virtualService?.positionOf('spec.http[0].route[0].destination.subset')).toEqual({ line: 13, column: 38 });
    expect(account?.positionOf('metadata.namespace')).toEqual({ line: 23, column: 3 });
  });

  it('answers undefined for fields that are absent or paths that are malformed', () => {
    const [virtualService] = parseConfigFile(TWO_DOCUMENTS, 'reviews.yaml');
    expect(virtualService?.positionOf('spec.gateways')).toBeUndefined();
    expect(virtualService?.positionOf('spec.http[3]')).toBeUndefined();
    expect(virtualService?.positionOf('spec..hosts')).toBeUndefined();
  });

  it('expands kind: List into its items, each located in the file', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: bookinfo}
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: reviews
`;
    const resources = parseConfigFile(text, 'list.yaml');
    expect(resources.map((r) => r.kind)).toEqual(['Namespace', 'ServiceAccount']);
    expect(resources[1]?.source).toEqual({ file: 'list.yaml', line: 7, column: 3 });
    expect(resources[1]?.positionOf('metadata.name')).toEqual({ line: 10, column: 5 });
  });

  it('skips a file of comments and empty documents', () => {
    expect(parseConfigFile('# nothing\n---\n---\n', 'empty.yaml')).toEqual([]);
  });

  it('reports YAML syntax errors at file:line:column', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n   bad: indent\n';
    let caught: unknown;
    try {
      parseConfigFile(text, 'broken.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigParseError);
    const error = caught as ConfigParseError;
    expect(error.code).toBe('MESHKIT_CONFIG_PARSE');
    // The parser reads `a` plus the over-indented line as one multi-line key starting at 4:9.
    expect([error.file, error.line, error.column]).toEqual(['broken.yaml', 4, 9]);
    expect(error.message).toMatch(/^broken\.yaml:4:9: \S/);
  });

  it('reports duplicate keys, which YAML forbids', () => {
    expect(() => parseConfigFile('kind: A\nkind: B\n', 'dup.yaml')).toThrow(/^dup\.yaml:2:1: .*unique/i);
  });

  it('rejects a document that is not a mapping', () => {
    expect(() => parseConfigFile('apiVersion: v1\n---\n- a\n- b\n', 'seq.yaml')).toThrow(
      expect.objectContaining({ code: 'MESHKIT_CONFIG_PARSE', message: 'seq.yaml:3:1: a document must be a mapping' }),
    );
  });
});
