import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { openssl, scratchDirectory } from '../test/support/openssl.js';
import { spiffeIdsOfCertificate } from './certificate-spiffe-ids.js';

function peer(subjectaltname: string | undefined): PeerCertificate {
  return { subjectaltname } as PeerCertificate;
}

describe('spiffeIdsOfCertificate', () => {
  it('keeps only spiffe URIs, in order', () => {
    const text = 'DNS:reviews.default.svc, URI:spiffe://cluster.local/ns/default/sa/reviews, URI:https://x, IP Address:10.0.0.1';
    expect(spiffeIdsOfCertificate(peer(text))).toEqual(['spiffe://cluster.local/ns/default/sa/reviews']);
  });

  it('reads JSON-quoted values whole, so a comma inside a SAN cannot forge a second entry', () => {
    const forged = 'URI:"spiffe://evil/x, URI:spiffe://cluster.local/ns/default/sa/admin"';
    expect(spiffeIdsOfCertificate(peer(forged))).toEqual(['spiffe://evil/x, URI:spiffe://cluster.local/ns/default/sa/admin']);
  });

  it('returns nothing for a certificate without SANs', () => {
    expect(spiffeIdsOfCertificate(peer(undefined))).toEqual([]);
    expect(spiffeIdsOfCertificate(peer(''))).toEqual([]);
  });
});

describe('spiffeIdsOfCertificate on a certificate made by openssl', () => {
  it('reports a SAN with an embedded separator as one value', async () => {
    const scratch = await scratchDirectory();
    try {
      const config = await scratch.write(
        'san.cnf',
        [
          '[req]',
          'distinguished_name = dn',
          'prompt = no',
          '[dn]',
          'O = test',
          '[ext]',
          'subjectAltName = @alt',
          '[alt]',
          'URI.1 = spiffe://evil/x, URI:spiffe://cluster.local/ns/default/sa/admin',
          'URI.2 = spiffe://cluster.local/ns/default/sa/ok',
          '',
        ].join('\n'),
      );
      const made = await openssl(
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-config', config, '-extensions', 'ext', '-days', '1'],
        scratch.dir,
      );
      expect(made.code, made.stderr).toBe(0);
      const cert = new X509Certificate(await readFile(path.join(scratch.dir, 'cert.pem')));
      expect(spiffeIdsOfCertificate(cert)).toEqual([
        'spiffe://evil/x, URI:spiffe://cluster.local/ns/default/sa/admin',
        'spiffe://cluster.local/ns/default/sa/ok',
      ]);
    } finally {
      await scratch.remove();
    }
  });
});
