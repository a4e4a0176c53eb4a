import { Metadata, credentials, status } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { CREATE_CERTIFICATE, certificateServiceProtocol } from './ca-protocol.js';
import type { CertificateRequestMessage, CertificateResponseMessage } from './ca-protocol.js';
import { CertificateRequestFailedError } from './errors.js';
import { issueWorkloadIdentity } from './workload-identity.js';
import type { WorkloadIdentity } from './workload-identity.js';

export interface CertificateClientOptions {
  /** Sent with every request (e.g. `authorization`, or a node's cluster ID). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Deadline for one CreateCertificate call; default 10 seconds. */
  readonly timeoutMs?: number;
}

type CreateCertificateMethod = (
  request: CertificateRequestMessage,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: CertificateResponseMessage) => void,
) => unknown;

const DEFAULT_TIMEOUT_MS = 10_000;

/** A client of a CA speaking `istio.v1.auth.IstioCertificateService`, over plaintext gRPC like istiod's port 15010. */
export class CertificateClient {
  readonly address: string;
  readonly #client: Client;
  readonly #metadata: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(address: string, options: CertificateClientOptions = {}) {
    const { Client: ServiceClient } = certificateServiceProtocol();
    this.address = address;
    this.#client = new ServiceClient(address, credentials.createInsecure());
    this.#metadata = options.metadata ?? {};
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Asks the CA to sign `csrPem`; resolves to the chain `[leaf, ..., root]`. Rejects with
   * `CertificateRequestFailedError` whose `cause` is the gRPC error (its `code` says why).
   */
  createCertificate(csrPem: string, ttlSeconds?: number): Promise<string[]> {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(this.#metadata)) metadata.set(key, value);
    const request: CertificateRequestMessage = {
      csr: csrPem,
      validity_duration: String(Math.floor(ttlSeconds ?? 0)),
    };
    const call = (this.#client as unknown as Record<typeof CREATE_CERTIFICATE, CreateCertificateMethod>)[CREATE_CERTIFICATE];
    return new Promise((resolve, reject) => {
      call.call(this.#client, request, metadata, { deadline: new Date(Date.now() + this.#timeoutMs) }, (error, response) => {
        if (error !== null) {
          const name = status[error.code] ?? String(error.code);
          reject(new CertificateRequestFailedError(this.address, `${name}: ${error.details}`, { cause: error }));
          return;
        }
        const chain = response?.cert_chain ?? [];
        if (chain.length === 0) {
          reject(new CertificateRequestFailedError(this.address, 'the response held no certificates'));
          return;
        }
        resolve(chain);
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}

export interface RequestIdentityOptions {
  readonly ttlSeconds?: number;
}

/**
 * Generates a key in this process, has the CA at the other end of `client` certify it for
 * `spiffeId`, and checks the result. Without `rootCertPem` the chain's last certificate becomes
 * the trust anchor, which trusts whoever answered on the CA address.
 */
export function requestIdentity(
  client: CertificateClient,
  spiffeId: string,
  rootCertPem?: string,
  options: RequestIdentityOptions = {},
): Promise<WorkloadIdentity> {
  return issueWorkloadIdentity(spiffeId, (csrPem) => client.createCertificate(csrPem, options.ttlSeconds), rootCertPem);
}
