import { buildConnector } from 'undici';
import { DnsNotResolvedError } from '../errors.js';
import type { PoolSettings } from '../cluster-options.js';

/**
 * Pool settings whose connections dial `addressOf()` instead of the origin's hostname, for
 * LOGICAL_DNS. The origin (and so the Host header and TLS SNI) keeps the hostname; only the
 * socket's destination follows DNS, and only for connections opened after an answer changes.
 * An HTTP/2 cluster's TLS connections offer h2 by ALPN as well.
 */
export function connectToAddress(pool: PoolSettings, cluster: string, http2: boolean, addressOf: () => string | null): PoolSettings {
  const settings = typeof pool.connect === 'object' ? pool.connect : {};
  const dial = buildConnector({ ...(settings as buildConnector.BuildOptions), ...(http2 ? { allowH2: true } : {}) });
  return {
    ...pool,
    connect: (options, callback) => {
      const address = addressOf();
      if (address === null) callback(new DnsNotResolvedError(cluster, options.hostname), null);
      else dial({ ...options, hostname: address }, callback);
    },
  };
}
