import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  readonly dir: string;
  readonly caCertFile: string;
  readonly caCert: string;
  /** A server certificate for `localhost` and 127.0.0.1, signed by the CA. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A throwaway CA and a server certificate made by the real openssl CLI. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshkit-proxy-certs-'));
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=meshkit test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,DNS:upstream.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt');
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    caCertFile: file('ca.crt'),
    caCert: readFileSync(file('ca.crt'), 'utf8'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    serverCert: readFileSync(file('server.crt'), 'utf8'),
    serverKey: readFileSync(file('server.key'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A client certificate whose URI SAN is `spiffeId`, signed by the test CA of `certs` (real
 * openssl); its subject is `/CN=<name>` unless given (`/` for none, as SPIFFE workload certificates).
 */
export function makeClientCertificate(certs: TestCertificates, name: string, spiffeId: string, subject = `/CN=${name}`): { cert: string; key: string } {
  const dir = certs.dir;
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=URI:${spiffeId}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  return { cert: readFileSync(path.join(dir, `${name}.crt`), 'utf8'), key: readFileSync(path.join(dir, `${name}.key`), 'utf8') };
}

/**
 * A listener `transport_socket` serving the test server certificate and verifying client
 * certificates against the test CA (required, or only checked when sent).
 */
export function clientVerifyingTlsSocket(certs: TestCertificates, requireClientCertificate: boolean): Record<string, unknown> {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      require_client_certificate: requireClientCertificate,
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { inline_string: certs.serverCert }, private_key: { inline_string: certs.serverKey } }],
        validation_context: { trusted_ca: { inline_string: certs.caCert } },
      },
    },
  };
}
