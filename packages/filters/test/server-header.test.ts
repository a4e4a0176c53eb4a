import { describe, expect, it } from 'vitest';
import { codecReply } from '../src/codec/codec-reply.js';
import { ServerHeader } from '../src/codec/server-header.js';

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
    expect(codecReply(403, 'Forbidden', '', new ServerHeader('edge', 'OVERWRITE'), false)).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\ncontent-length: 0\r\nserver: edge\r\ndate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\nconnection: close\r\n\r\n$/,
    );
    expect(codecReply(403, 'Forbidden', '', new ServerHeader('edge', 'PASS_THROUGH'), false)).toMatch(/^HTTP\/1\.1 403 Forbidden\r\ncontent-length: 0\r\ndate: [^\r]+\r\nconnection: close\r\n\r\n$/);
    expect(codecReply(400, 'Bad Request', 'Bad Request', new ServerHeader('edge', 'OVERWRITE'), true)).toMatch(
      /^HTTP\/1\.1 400 Bad Request\r\nContent-Length: 11\r\nContent-Type: text\/plain\r\nServer: edge\r\nDate: [^\r]+\r\nConnection: close\r\n\r\nBad Request$/,
    );
  });
});
