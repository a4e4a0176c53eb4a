import { describe, expect, it } from 'vitest';
import { OutboundClient } from './outbound-client.js';

describe('OutboundClient.target', () => {
  it('without an outbound listener, calls the service by its Kubernetes name', async () => {
    const client = new OutboundClient(undefined);
    expect(client.target('reviews')).toEqual({ origin: 'http://reviews:9080', host: 'reviews:9080' });
    await client.close();
  });

  it('with one, sends every service to it and names the service in Host', async () => {
    const client = new OutboundClient('http://127.10.2.3:15001');
    expect(client.target('details')).toEqual({ origin: 'http://127.10.2.3:15001', host: 'details:9080' });
    expect(client.target('ratings')).toEqual({ origin: 'http://127.10.2.3:15001', host: 'ratings:9080' });
    await client.close();
  });
});
