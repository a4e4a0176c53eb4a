import { CertificateClient, requestIdentity, spiffeIdFor } from '@meshkit/identity';
import type { WorkloadIdentity } from '@meshkit/identity';

export interface IdentityAgentOptions {
  /** The CA's gRPC address (host:port); the control plane serves it beside ADS. */
  readonly caAddress: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly trustDomain?: string;
}

/**
 * The proxy's own identity, as istio-agent provides it: a key made in this process, a CSR signed
 * by the control plane's CA, offered to TLS contexts under Istio's SDS names.
 */
export class IdentityAgent {
  private constructor(readonly identity: WorkloadIdentity) {}

  static async start(options: IdentityAgentOptions): Promise<IdentityAgent> {
    const spiffeId = spiffeIdFor({
      namespace: options.namespace,
      serviceAccount: options.serviceAccount,
      ...(options.trustDomain === undefined ? {} : { trustDomain: options.trustDomain }),
    });
    const client = new CertificateClient(options.caAddress);
    try {
      return new IdentityAgent(await requestIdentity(client, spiffeId));
    } finally {
      client.close();
    }
  }

  get spiffeId(): string {
    return this.identity.spiffeId;
  }
}
