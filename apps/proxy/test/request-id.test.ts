import { describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { proxiesInFrontOfEcho } from './support/header-echo.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the echo upstream received as `x-request-id`, and what the response carried, for a request sent with `x-request-id: client-id`. */
async function requestIds(listener: string, version: string): Promise<{ upstream: string; response: string | undefined }> {
  const answer = (await curl(`${listener}/`, version, '-i', '-H', 'x-request-id: client-id')).body;
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const response = /^x-request-id: (.*)$/im.exec(head)?.[1];
  return { upstream: (JSON.parse(body) as Record<string, string>)['x-request-id'] ?? '', response };
}

describe('x-request-id at an edge listener (built proxy, curl)', () => {
  const proxies = proxiesInFrontOfEcho();

  it('replaces an external request id unless preserve_external_request_id; always_set_request_id_in_response returns it', async () => {
    const plain = await proxies.start({ use_remote_address: true });
    const preserving = await proxies.start({ use_remote_address: true, preserve_external_request_id: true, always_set_request_id_in_response: true });
    for (const version of ['--http1.1', '--http2-prior-knowledge']) {
      const replaced = await requestIds(plain.listener, version);
      expect(replaced.upstream).toMatch(UUID);
      expect(replaced.response).toBeUndefined();
      expect(await requestIds(preserving.listener, version)).toEqual({ upstream: 'client-id', response: 'client-id' });
    }
  });

  it('returns a generated id in the response too', async () => {
    const returning = await proxies.start({ use_remote_address: true, always_set_request_id_in_response: true });
    const { upstream, response } = await requestIds(returning.listener, '--http1.1');
    expect(upstream).toMatch(UUID);
    expect(response).toBe(upstream);
  });
});
