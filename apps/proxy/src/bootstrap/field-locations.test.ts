import { describe, expect, it } from 'vitest';
import { parseLocated } from './field-locations.js';

const TEXT = `static_resources:
  listeners:
  - name: first
  - name: second
    per_filter:
      envoy.filters.http.fault: {abort: {}}
    list: [a, {b: 1}]
`;

describe('parseLocated', () => {
  const document = parseLocated(TEXT);

  it('places a field at its key and a list item at the item', () => {
    expect(document.locate('static_resources.listeners')).toEqual({ line: 2, column: 3 });
    expect(document.locate('static_resources.listeners[1]')).toEqual({ line: 4, column: 5 });
    expect(document.locate('static_resources.listeners[1].name')).toEqual({ line: 4, column: 5 });
    expect(document.locate('static_resources.listeners[1].list[1].b')).toEqual({ line: 7, column: 16 });
  });

  it('finds keys that hold dots, as filter names do', () => {
    expect(document.locate('static_resources.listeners[1].per_filter.envoy.filters.http.fault.abort')).toEqual({ line: 6, column: 34 });
  });

  it('places a missing field at the nearest parent that is there', () => {
    expect(document.locate('static_resources.listeners[1].per_filter.envoy.filters.http.fault.delay')).toEqual({ line: 6, column: 7 });
    expect(document.locate('static_resources.listeners[5].name')).toEqual({ line: 2, column: 3 });
    expect(document.locate('(root)')).toBeUndefined();
  });

  it('reads JSON too, and throws the parser error, which names its line, for text that is not YAML', () => {
    expect(parseLocated('{\n  "admin": {"address": 1}\n}').locate('admin.address')).toEqual({ line: 2, column: 13 });
    expect(() => parseLocated('node: {id: [unclosed\n')).toThrow(/line 2/);
    expect(parseLocated('').value).toBeNull();
  });
});
