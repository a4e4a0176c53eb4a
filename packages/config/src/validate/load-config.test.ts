import { describe, expect, it } from 'vitest';
import { ConfigDuplicateError, ConfigParseError, ConfigValidationError } from '../errors.js';
import { loadConfig } from './load-config.js';

const ACCOUNT = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: reviews
`;

describe('loadConfig', () => {
  it('reports a resource defined twice, naming both places, and keeps the first', () => {
    const { resources, errors } = loadConfig([
      { file: 'a.yaml', text: ACCOUNT },
      { file: 'b.yaml', text: `# again\n${ACCOUNT}` },
    ]);
    expect(resources.map((r) => r.source.file)).toEqual(['a.yaml']);
    expect(errors).toHaveLength(1);
    const [duplicate] = errors;
    expect(duplicate).toBeInstanceOf(ConfigDuplicateError);
    expect(duplicate?.message).toBe('b.yaml:5:3: metadata.name: ServiceAccount default/reviews is already defined at a.yaml:4:3');
  });

  it('tells namespaces and API groups apart', () => {
    const { resources, errors } = loadConfig([
      { file: 'a.yaml', text: ACCOUNT },
      { file: 'b.yaml', text: ACCOUNT.replace('name: reviews', 'name: reviews\n  namespace: other') },
      { file: 'c.yaml', text: ACCOUNT.replace('apiVersion: v1', 'apiVersion: example.com/v1') },
    ]);
    expect(errors).toEqual([]);
    expect(resources).toHaveLength(3);
  });

  it('gathers parse and validation errors from every file and keeps the good resources', () => {
    const { resources, errors } = loadConfig([
      { file: 'broken.yaml', text: 'kind: [unclosed\n' },
      {
        file: 'bad-gateway.yaml',
        text: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  servers: []\n',
      },
      { file: 'good.yaml', text: ACCOUNT },
    ]);
    expect(resources.map((r) => r.metadata.name)).toEqual(['reviews']);
    expect(errors.map((e) => e.constructor)).toEqual([ConfigParseError, ConfigValidationError]);
    expect(errors[0]?.message).toMatch(/^broken\.yaml:\d+:\d+: /);
    expect(errors[1]?.message).toBe('bad-gateway.yaml:5:3: spec.servers: must not be empty');
  });
});
