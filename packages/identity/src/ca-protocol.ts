import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** `istio.v1.auth.IstioCertificateRequest` as proto-loader presents it (field names as in the .proto). */
export interface CertificateRequestMessage {
  csr: string;
  /** Seconds; int64 travels as a decimal string. */
  validity_duration: string | number;
  metadata?: { fields?: Record<string, unknown> } | null;
}

export interface CertificateResponseMessage {
  cert_chain: string[];
}

export const CREATE_CERTIFICATE = 'CreateCertificate';

interface CertificateServiceProtocol {
  readonly definition: ServiceDefinition;
  readonly Client: ServiceClientConstructor;
}

let loaded: CertificateServiceProtocol | undefined;

/**
 * The gRPC definition of `istio.v1.auth.IstioCertificateService`, loaded from the .proto shipped
 * in this package (`proto/`, a sibling of both `src/` and `dist/`). Loaded on first use, so
 * importing the package reads no files.
 */
export function certificateServiceProtocol(): CertificateServiceProtocol {
  if (loaded !== undefined) return loaded;
  const protoRoot = fileURLToPath(new URL('../proto', import.meta.url));
  const packageDefinition = loadSync('istio/v1/auth/ca.proto', {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const grpcObject = loadPackageDefinition(packageDefinition) as unknown as {
    istio: { v1: { auth: { IstioCertificateService: ServiceClientConstructor } } };
  };
  const Client = grpcObject.istio.v1.auth.IstioCertificateService;
  loaded = { definition: Client.service, Client };
  return loaded;
}
