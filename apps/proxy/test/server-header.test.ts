import { describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { proxiesInFrontOfEcho } from './support/header-echo.js';

/** The `server` lines of a `curl -i` answer (lower-case). */
const serverLines = (answer: string): string[] => answer.toLowerCase().split('\r\n').filter((line) => line.startsWith('server:'));

describe('server_name and server_header_transformation (built proxy, curl)', () => {
  const proxies = proxiesInFrontOfEcho();

  it('names every response by default (OVERWRITE), only a response without a server under APPEND_IF_ABSENT, none under PASS_THROUGH', async () => {
    // The echo upstream sends no server field of its own.
    const overwrite = await proxies.start({ server_name: 'edge' });
    const appending = await proxies.start({ server_name: 'edge', server_header_transformation: 'APPEND_IF_ABSENT' });
    const passing = await proxies.start({ server_name: 'edge', server_header_transformation: 'PASS_THROUGH' });
    for (const version of ['--http1.1', '--http2-prior-knowledge']) {
      expect(serverLines((await curl(`${overwrite.listener}/`, version, '-i')).body)).toEqual(['server: edge']);
      expect(serverLines((await curl(`${appending.listener}/`, version, '-i')).body)).toEqual(['server: edge']);
      expect(serverLines((await curl(`${passing.listener}/`, version, '-i')).body)).toEqual([]);
    }
  });
});
