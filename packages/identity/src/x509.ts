// @peculiar/x509 decorates its ASN.1 classes at load time and needs the Reflect metadata
// polyfill installed first; every module in this package reaches the library through here
// so that order holds no matter which module is loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

export {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Pkcs10CertificateRequest,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate as PeculiarCertificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

/**
 * Node's WebCrypto, passed to every library call explicitly rather than installed as the
 * library's global default, so importing this package changes nothing for anyone else using
 * @peculiar/x509. (The library's declarations name DOM crypto types, which do not exist under
 * Node's type definitions; they are structurally what node:crypto's `webcrypto` provides.)
 */
export const nodeCrypto: webcrypto.Crypto = webcrypto;

export const ECDSA_P256_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
