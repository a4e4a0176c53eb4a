import { isIP } from 'node:net';
import type { DnsLookupFamily, DnsResolver } from './dns-options.js';

/**
 * One resolution's outcome, as a value. A name that exists without records of the family asked
 * (NODATA) or does not exist (NXDOMAIN) is an answer with no addresses, as in Envoy: its
 * endpoints go. Anything else (timeout, SERVFAIL, refused) is a failure: the last answer stays.
 */
export type Resolution =
  | { readonly ok: true; readonly addresses: readonly string[]; /** Smallest record TTL in seconds; 0 when none. */ readonly ttlSeconds: number }
  | { readonly ok: false; readonly error: Error };

// node:dns reports "no such name" and "no records of this type" with these codes.
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA']);

export async function resolveHostname(resolver: DnsResolver, hostname: string, family: DnsLookupFamily): Promise<Resolution> {
  // An IP literal needs no query; Envoy accepts them in DNS clusters too.
  const literal = isIP(hostname);
  if (literal !== 0) {
    const allowed = family === 'ALL' || family === 'AUTO' || family === 'V4_PREFERRED' || (literal === 4 ? family === 'V4_ONLY' : family === 'V6_ONLY');
    return { ok: true, addresses: allowed ? [hostname] : [], ttlSeconds: 0 };
  }
  try {
    switch (family) {
      case 'V4_ONLY':
        return answer(await query(resolver, hostname, 4));
      case 'V6_ONLY':
        return answer(await query(resolver, hostname, 6));
      case 'AUTO':
        return answer(await firstWithRecords(resolver, hostname, 6, 4));
      case 'V4_PREFERRED':
        return answer(await firstWithRecords(resolver, hostname, 4, 6));
      case 'ALL': {
        const [v4, v6] = await Promise.all([query(resolver, hostname, 4), query(resolver, hostname, 6)]);
        return answer([...v4, ...v6]);
      }
    }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

interface TtlRecord {
  readonly address: string;
  readonly ttl: number;
}

async function firstWithRecords(resolver: DnsResolver, hostname: string, first: 4 | 6, second: 4 | 6): Promise<readonly TtlRecord[]> {
  const preferred = await query(resolver, hostname, first);
  return preferred.length > 0 ? preferred : query(resolver, hostname, second);
}

async function query(resolver: DnsResolver, hostname: string, family: 4 | 6): Promise<readonly TtlRecord[]> {
  try {
    return await (family === 4 ? resolver.resolve4(hostname, { ttl: true }) : resolver.resolve6(hostname, { ttl: true }));
  } catch (error) {
    if (NO_RECORDS.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

function answer(records: readonly TtlRecord[]): Resolution {
  const addresses = [...new Set(records.map((record) => record.address))];
  const ttlSeconds = records.length === 0 ? 0 : Math.min(...records.map((record) => record.ttl));
  return { ok: true, addresses, ttlSeconds };
}
