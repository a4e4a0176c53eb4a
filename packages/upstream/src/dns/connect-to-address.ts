import { buildConnector } from 'undici';
import { DnsNotResolvedError } from '../errors.js';
import type { Pool } from 'undici';

/**
 * Pool options whose connections dial `addressOf()` instead of the origin's hostname, for
 * LOGICAL_DNS. The origin (and so the Host header and TLS SNI) keeps the hostname; only the
 * socket's destination follows DNS, and only for connections opened after an answer changes.
 */
export function connectToAddress(poolOptions: Pool.Options, cluster: string, addressOf: () => string | null): Pool.Options {
  const { connect, allowH2 } = poolOptions;
  const settings = typeof connect === 'object' ? connect : {};
  // undici builds its connector with allowH2 from the pool's options; a custom one must do the same.
  const dial = buildConnector({ ...settings, ...(allowH2 === true ? { allowH2 } : {}) });
  return {
    ...poolOptions,
    connect: (options, callback) => {
      const address = addressOf();
      if (address === null) callback(new DnsNotResolvedError(cluster, options.hostname), null);
      else dial({ ...options, hostname: address }, callback);
    },
  };
}
