import { X509Certificate } from 'node:crypto';
import { Client, Metadata as GrpcMetadata, Server, ServerCredentials, credentials, status } from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CertificateAuthority,
  CertificateClient,
  CertificateRequestFailedError,
  addCertificateService,
  createCsr,
  generateWorkloadKey,
  requestIdentity,
} from '../src/index.js';
import type { CertificateServiceOptions } from '../src/index.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/default/sa/ratings';

let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await CertificateAuthority.create({ maxWorkloadTtlSeconds: 7 * 86_400 });
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function startCa(options?: CertificateServiceOptions): Promise<string> {
  const server = new Server();
  addCertificateService(server, ca, options);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  cleanups.push(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

function clientFor(address: string, metadata?: Record<string, string>): CertificateClient {
  const client = new CertificateClient(address, metadata === undefined ? {} : { metadata });
  cleanups.push(() => client.close());
  return client;
}

async function grpcCodeOf(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CertificateRequestFailedError);
  return ((error as Error).cause as { code?: number } | undefined)?.code;
}

describe('IstioCertificateService over gRPC', () => {
  it('issues an identity whose chain ends at the CA root, honouring the requested lifetime', async () => {
    const client = clientFor(await startCa());
    const identity = await requestIdentity(client, REVIEWS, undefined, { ttlSeconds: 3600 });
    expect(identity.spiffeId).toBe(REVIEWS);
    expect(identity.rootCertPem).toBe(ca.rootCertPem);
    const leaf = new X509Certificate(identity.certChainPem[0] ?? '');
    expect(leaf.subjectAltName).toBe(`URI:${REVIEWS}`);
    expect(leaf.verify(new X509Certificate(ca.rootCertPem).publicKey)).toBe(true);
    expect(Math.abs(identity.notAfter.getTime() - Date.now() - 3_600_000)).toBeLessThan(5_000);

    const withDefault = await requestIdentity(client, RATINGS, ca.rootCertPem);
    expect(Math.abs(withDefault.notAfter.getTime() - Date.now() - 86_400_000)).toBeLessThan(5_000);
  });

  it('asks authorize about the CSR identity with the caller metadata, and answers PERMISSION_DENIED when refused', async () => {
    const asked: { spiffeId: string; token: unknown }[] = [];
    const authorize = (spiffeId: string, metadata: Metadata): boolean => {
      const [token] = metadata.get('authorization');
      asked.push({ spiffeId, token });
      return spiffeId === REVIEWS && token === 'Bearer reviews';
    };
    const address = await startCa({ authorize });

    const reviewsClient = clientFor(address, { authorization: 'Bearer reviews' });
    await expect(requestIdentity(reviewsClient, REVIEWS)).resolves.toMatchObject({ spiffeId: REVIEWS });
    expect(await grpcCodeOf(requestIdentity(reviewsClient, RATINGS))).toBe(status.PERMISSION_DENIED);

    const anonymous = clientFor(address);
    const refusal = await requestIdentity(anonymous, REVIEWS).catch((caught: unknown) => caught);
    expect((refusal as Error).message).toContain('PERMISSION_DENIED');
    expect(asked).toEqual([
      { spiffeId: REVIEWS, token: 'Bearer reviews' },
      { spiffeId: RATINGS, token: 'Bearer reviews' },
      { spiffeId: REVIEWS, token: undefined },
    ]);
  });

  it('answers INVALID_ARGUMENT for a CSR that is not one, or has no SPIFFE ID', async () => {
    const client = clientFor(await startCa());
    expect(await grpcCodeOf(client.createCertificate('not a csr'))).toBe(status.INVALID_ARGUMENT);

    const key = await generateWorkloadKey();
    const csr = await createCsr(key, REVIEWS);
    const corrupted = csr.replace(/[A-Za-z](?=[A-Za-z0-9+/=]*\n-----END)/, (char) => (char === 'A' ? 'B' : 'A'));
    expect(corrupted).not.toBe(csr);
    expect(await grpcCodeOf(client.createCertificate(corrupted))).toBe(status.INVALID_ARGUMENT);
  });

  it('answers INVALID_ARGUMENT for a lifetime beyond the CA maximum', async () => {
    const client = clientFor(await startCa());
    const csr = await createCsr(await generateWorkloadKey(), REVIEWS);
    expect(await grpcCodeOf(client.createCertificate(csr, 30 * 86_400))).toBe(status.INVALID_ARGUMENT);
  });

  it('answers PERMISSION_DENIED for an identity outside the trust domain', async () => {
    const client = clientFor(await startCa());
    expect(await grpcCodeOf(requestIdentity(client, 'spiffe://elsewhere/ns/default/sa/reviews'))).toBe(status.PERMISSION_DENIED);
  });

  it('fails within its deadline when no CA is listening', async () => {
    const address = await startCa();
    for (const cleanup of cleanups.splice(0)) cleanup();
    const client = new CertificateClient(address, { timeoutMs: 1_000 });
    cleanups.push(() => client.close());
    const code = await grpcCodeOf(client.createCertificate(await createCsr(await generateWorkloadKey(), REVIEWS)));
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(code);
  });

  it('speaks the Istio wire format: csr is field 1, validity_duration field 3, cert_chain field 1', async () => {
    const address = await startCa();
    const raw = new Client(address, credentials.createInsecure());
    cleanups.push(() => raw.close());
    const csr = await createCsr(await generateWorkloadKey(), REVIEWS);
    const chain = await new Promise<string[]>((resolve, reject) => {
      raw.makeUnaryRequest(
        '/istio.v1.auth.IstioCertificateService/CreateCertificate',
        (request: { csr: string; seconds: number }) =>
          Buffer.concat([lengthDelimited(1, Buffer.from(request.csr)), varintField(3, request.seconds)]),
        (bytes: Buffer) => repeatedStrings(bytes, 1),
        { csr, seconds: 7200 },
        new GrpcMetadata(),
        (error, response) => (error || response === undefined ? reject(error ?? new Error('no response')) : resolve(response)),
      );
    });
    expect(chain).toHaveLength(2);
    expect(chain[1]).toBe(ca.rootCertPem);
    const leaf = new X509Certificate(chain[0] ?? '');
    expect(Math.abs(Date.parse(leaf.validTo) - Date.now() - 7_200_000)).toBeLessThan(5_000);
  });
});

// A hand-rolled protobuf encoder/decoder, independent of the package's .proto, so the field
// numbers are checked against the protocol rather than against themselves.
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

function readVarint(bytes: Buffer, start: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  let position = start;
  for (let guard = 0; guard < 10 && position < bytes.length; guard += 1) {
    const byte = bytes[position] ?? 0;
    position += 1;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
  }
  return [value, position];
}

function repeatedStrings(bytes: Buffer, field: number): string[] {
  const values: string[] = [];
  let position = 0;
  while (position < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, position);
    if ((tag & 7) !== 2) throw new Error(`unexpected wire type in tag ${tag}`);
    const [length, afterLength] = readVarint(bytes, afterTag);
    if (tag >> 3 === field) values.push(bytes.subarray(afterLength, afterLength + length).toString('utf8'));
    position = afterLength + length;
  }
  return values;
}
