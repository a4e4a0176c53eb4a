import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SelfSignedCert {
  readonly key: string;
  readonly cert: string;
}

/** Throwaway self-signed certificates made by the real openssl binary, removed by `cleanup`. */
export class CertFactory {
  readonly #dirs: string[] = [];

  async make(dnsName: string): Promise<SelfSignedCert> {
    const dir = await mkdtemp(path.join(tmpdir(), 'meshkit-upstream-cert-'));
    this.#dirs.push(dir);
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', `/CN=${dnsName}`, '-addext', `subjectAltName=DNS:${dnsName}`,
    ], { stdio: 'ignore' });
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
