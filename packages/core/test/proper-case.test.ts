import { describe, expect, it } from 'vitest';
import { properCaseFieldNames } from '../src/http1/index.js';

describe('properCaseFieldNames (Envoy header_key_format.proper_case_words)', () => {
  it('capitalizes each letter that starts a name or follows a non-letter, in field names only', () => {
    const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-b3-traceid: abc\r\nte: trailers\r\nfoo$b#$are: x-y\r\n\r\n';
    expect(properCaseFieldNames(head)).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-B3-Traceid: abc\r\nTe: trailers\r\nFoo$B#$Are: x-y\r\n\r\n');
  });

  it('leaves the start line, values and a body after the blank line as they are', () => {
    const head = 'HTTP/1.1 400 Bad Request\r\ncontent-length: 11\r\n\r\nbody: a-b\r\n';
    expect(properCaseFieldNames(head)).toBe('HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nbody: a-b\r\n');
    expect(properCaseFieldNames('0\r\ngrpc-status: 0\r\n\r\n')).toBe('0\r\nGrpc-Status: 0\r\n\r\n');
  });
});
