import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';

const IDS_PER_FILL = 256;
const random = Buffer.alloc(16 * IDS_PER_FILL);
let used = IDS_PER_FILL;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** The text of one id, its dashes in place: each id overwrites the hex digits around them. */
const text = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');

/**
 * A random (version 4) UUID for `x-request-id`, as `crypto.randomUUID()` makes it: from the CSPRNG,
 * drawn 256 ids at a time. Written into one buffer and read out as one flat string, rather than
 * joined from 20 pieces, which node's serializer does and which then must be flattened to be sent.
 */
// HOT PATH: once per request at an edge, or one that arrives without an id.
export function newRequestId(): string {
  if (used === IDS_PER_FILL) {
    randomFillSync(random);
    used = 0;
  }
  const from = 16 * used++;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) at++; // past a dash
    let byte = random[from + i] as number;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    text[at++] = HEX[byte >> 4] as number;
    text[at++] = HEX[byte & 0x0f] as number;
  }
  return text.toString('latin1', 0, 36);
}
