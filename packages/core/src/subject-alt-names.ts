/** One subject alternative name: its type (`URI`, `DNS`, `IP Address`, …) and value. */
export interface SubjectAltNameEntry {
  readonly type: string;
  readonly value: string;
}

/**
 * Node's `subjectaltname` text (`DNS:a, URI:spiffe://…`, from node:tls or node:crypto) as
 * entries. Node JSON-quotes any value holding a separator, and a quoted value is read whole, so a
 * crafted SAN cannot smuggle in a second entry.
 */
// HOT PATH: runs once per accepted connection; a single left-to-right scan, no regex compile.
export function parseSubjectAltNames(text: string): SubjectAltNameEntry[] {
  const entries: SubjectAltNameEntry[] = [];
  let position = 0;
  while (position < text.length) {
    const colon = text.indexOf(':', position);
    if (colon === -1) break;
    const type = text.slice(position, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = closingQuote(text, colon + 2);
      if (end === -1) break;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        break;
      }
      end += 1;
    } else {
      end = text.indexOf(', ', colon + 1);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }
    entries.push({ type, value });
    position = end + 2;
  }
  return entries;
}

function closingQuote(text: string, from: number): number {
  for (let index = from; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') index += 1;
    else if (char === '"') return index;
  }
  return -1;
}
