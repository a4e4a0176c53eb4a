import { promises as dns } from 'node:dns';
import type { RecordWithTtl } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { DnsResolver } from '@meshkit/upstream';

const HOSTS_FILE = '/etc/hosts';

/** The addresses the hosts file lists for `hostname`, or null when it does not list the name. */
async function hostsFileAddresses(path: string, hostname: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null; // no hosts file: DNS decides
  }
  const wanted = hostname.toLowerCase().replace(/\.$/, '');
  let addresses: string[] | null = null;
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address === undefined || isIP(address) === 0) continue;
    if (names.some((name) => name.toLowerCase() === wanted)) (addresses ??= []).push(address);
  }
  return addresses;
}

function noData(hostname: string, family: 4 | 6): Error {
  return Object.assign(new Error(`${family === 4 ? 'queryA' : 'queryAaaa'} ENODATA ${hostname}`), { code: 'ENODATA', hostname });
}

/**
 * Envoy's c-ares resolver answers from the hosts file before asking DNS servers (so `localhost`
 * resolves); a node:dns Resolver only asks servers. This resolver reads the hosts file on every
 * query (it is small and may change) and asks the servers for names it does not list. A listed
 * name is answered from the file alone, with TTL 0 (the cluster then keeps its refresh rate).
 */
export class HostsFirstResolver implements DnsResolver {
  constructor(
    private readonly servers: DnsResolver = new dns.Resolver(),
    private readonly hostsPath = HOSTS_FILE,
  ) {}

  resolve4(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]> {
    return this.resolve(hostname, 4, options);
  }

  resolve6(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]> {
    return this.resolve(hostname, 6, options);
  }

  private async resolve(hostname: string, family: 4 | 6, options: { ttl: true }): Promise<RecordWithTtl[]> {
    const listed = await hostsFileAddresses(this.hostsPath, hostname);
    if (listed === null) return family === 4 ? this.servers.resolve4(hostname, options) : this.servers.resolve6(hostname, options);
    const records = listed.filter((address) => isIP(address) === family).map((address) => ({ address, ttl: 0 }));
    if (records.length === 0) throw noData(hostname, family);
    return records;
  }
}
