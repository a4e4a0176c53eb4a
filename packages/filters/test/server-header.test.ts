import { describe, expect, it } from 'vitest';
import { ownReplyLines, ServerHeader } from '../src/codec/server-header.js';

describe('ServerHeader (server_name under server_header_transformation)', () => {
  it('writes the name over a response’s own, beside none, or never, as Envoy’s three modes do', () => {
    const cases = (['OVERWRITE', 'APPEND_IF_ABSENT', 'PASS_THROUGH'] as const).map((mode) => {
      const server = new ServerHeader('edge', mode);
      return [mode, server.proxyValue('app/1.0'), server.proxyValue(undefined)];
    });
    expect(cases).toEqual([
      ['OVERWRITE', 'edge', 'edge'],
      ['APPEND_IF_ABSENT', undefined, 'edge'],
      ['PASS_THROUGH', undefined, undefined],
    ]);
  });

  it('gives the codec’s own replies a date, and a server unless PASS_THROUGH', () => {
    expect(ownReplyLines(new ServerHeader('edge', 'OVERWRITE'))).toMatch(/^server: edge\r\ndate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n$/);
    expect(ownReplyLines(new ServerHeader('edge', 'PASS_THROUGH'))).toMatch(/^date: [^\r]+\r\n$/);
  });
});
