import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { detailsHandler } from './details-service.js';
import { BookinfoListenError } from './errors.js';
import { sendJson } from './http-response.js';
import { OutboundClient } from './outbound-client.js';
import { productpageHandler } from './productpage/productpage-service.js';
import { ratingsHandler } from './ratings-service.js';
import type { RequestHandler } from './request-path.js';
import { reviewsHandler } from './reviews-service.js';
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  assertValidOptions,
  outboundOrigin,
  productpageSettings,
  reviewsSettings,
} from './service-options.js';
import type { ServiceName, StartServiceOptions } from './service-options.js';

/** How long `close()` lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 2_000;

export interface RunningService {
  readonly name: ServiceName;
  /** `http://host:port`, the address it actually listens on (port 0 resolved). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (briefly), closes outbound connections. */
  close(): Promise<void>;
}

function makeHandler(name: ServiceName, options: StartServiceOptions, client: OutboundClient): RequestHandler {
  switch (name) {
    case 'details':
      return detailsHandler();
    case 'ratings':
      return ratingsHandler();
    case 'reviews':
      return reviewsHandler(reviewsSettings(options), client);
    case 'productpage':
      return productpageHandler(productpageSettings(options), client);
  }
}

function listen(server: Server, name: ServiceName, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (cause: Error): void => {
      server.off('listening', onListening);
      reject(new BookinfoListenError(name, host, port, { cause }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError).once('listening', onListening);
    server.listen({ host, port });
  });
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Starts one bookinfo service in this process. Rejects with `BookinfoConfigError` for invalid
 * options and `BookinfoListenError` when the port cannot be bound.
 *
 * @example
 * const ratings = await startService('ratings', { port: 0 });
 * console.log(ratings.url); // http://127.0.0.1:41234
 * await ratings.close();
 */
export async function startService(name: ServiceName, options: StartServiceOptions = {}): Promise<RunningService> {
  assertValidOptions(name, options);
  const origin = options.outbound === undefined ? undefined : (outboundOrigin(options.outbound) ?? undefined);
  const client = new OutboundClient(origin);
  const handler = makeHandler(name, options, client);

  const server = createServer((req, res) => {
    void (async () => {
      try {
        await handler(req, res);
      } catch {
        // A handler bug must not take the whole service down: answer 500 if still possible.
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      }
    })();
  });

  const host = options.host ?? DEFAULT_HOST;
  let address: AddressInfo;
  try {
    address = await listen(server, name, host, options.port ?? DEFAULT_PORT);
  } catch (error) {
    await client.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cutoff = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await stopped;
      clearTimeout(cutoff);
      await client.close();
    })();
    return closing;
  };

  return { name, url: urlOf(address), host: address.address, port: address.port, close };
}
