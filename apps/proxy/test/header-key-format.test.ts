import { describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { proxiesInFrontOfEcho } from './support/header-echo.js';

describe('http_protocol_options.header_key_format (built proxy, curl)', () => {
  const proxies = proxiesInFrontOfEcho();

  it('proper_case_words names HTTP/1.1 response fields in proper case; HTTP/2 keeps lower case, as it must', async () => {
    const proxy = await proxies.start({ http_protocol_options: { header_key_format: { proper_case_words: {} } } });
    const http1 = (await curl(`${proxy.listener}/`, '--http1.1', '-i')).body.split('\r\n\r\n')[0] ?? '';
    const names = http1.split('\r\n').slice(1).map((line) => line.slice(0, line.indexOf(':')));
    expect(names).toEqual(expect.arrayContaining(['Content-Type', 'Date', 'X-Envoy-Upstream-Service-Time', 'Server', 'Transfer-Encoding']));
    expect(names.every((name) => /^[A-Z]/.test(name))).toBe(true);
    const http2 = (await curl(`${proxy.listener}/`, '--http2-prior-knowledge', '-i')).body.split('\r\n\r\n')[0] ?? '';
    expect(http2).toContain('\r\ncontent-type: application/json');
  });
});
