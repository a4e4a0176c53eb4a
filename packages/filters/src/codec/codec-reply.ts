import { properCaseFieldNames } from '@meshkit/core/http1';
import { httpDate } from './http-date.js';
import type { ServerHeader } from './server-header.js';

/** An HTTP/1.1 head as it goes on the wire: field names in proper case under `header_key_format.proper_case_words`. */
export function inWireCase(head: string, properCase: boolean): string {
  return properCase ? properCaseFieldNames(head) : head;
}

/**
 * A reply the HTTP/1.1 codec writes itself before it closes the connection (a refused request or
 * upgrade), with no response to take fields from: `server` (unless PASS_THROUGH), `date`, and the
 * body as plain text.
 */
export function codecReply(status: number, reason: string, body: string, server: ServerHeader, properCase: boolean): string {
  const type = body === '' ? '' : 'content-type: text/plain\r\n';
  const name = server.proxyValue(undefined);
  const own = `${name === undefined ? '' : `server: ${name}\r\n`}date: ${httpDate()}\r\n`;
  return inWireCase(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${body.length}\r\n${type}${own}connection: close\r\n\r\n${body}`, properCase);
}
