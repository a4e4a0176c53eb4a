import { Buffer } from 'node:buffer';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** Every PEM block of the given label in `text`, each normalised to end with one newline. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): string[] {
  const blocks: string[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] === label) blocks.push(`${match[0].replace(/\r\n/g, '\n')}\n`);
  }
  return blocks;
}

/** Wraps DER bytes as PEM with 64-column lines, as OpenSSL writes it. */
export function derToPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Trims whitespace and ensures a single trailing newline, so equal PEMs compare equal. */
export function normalizePem(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trim()}\n`;
}
