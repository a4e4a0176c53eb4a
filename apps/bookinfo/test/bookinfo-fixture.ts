import { startService } from '../src/index.js';
import type { OutboundTimeouts, ReviewsVersion, RunningService } from '../src/index.js';
import { HostForwarder } from './host-forwarder.js';

/**
 * All of bookinfo in this process on 127.0.0.1:0: productpage, details, ratings and the three
 * reviews versions, with productpage and reviews sending every call to one HostForwarder,
 * the way they would send it to their sidecar.
 */
export interface BookinfoFixture {
  readonly forwarder: HostForwarder;
  readonly productpage: RunningService;
  readonly details: RunningService;
  readonly ratings: RunningService;
  readonly reviews: Readonly<Record<ReviewsVersion, RunningService>>;
  /** Clears recorded calls, delays and routes, then routes every service, reviews to `version`. */
  reset(version?: ReviewsVersion): void;
  close(): Promise<void>;
}

export async function startBookinfo(timeouts: OutboundTimeouts = {}): Promise<BookinfoFixture> {
  const forwarder = await new HostForwarder().listen();
  const outbound = forwarder.url;
  const started: RunningService[] = [];
  const start = async (...args: Parameters<typeof startService>): Promise<RunningService> => {
    const service = await startService(...args);
    started.push(service);
    return service;
  };
  const close = async (): Promise<void> => {
    await Promise.all(started.map((service) => service.close()));
    await forwarder.close();
  };
  try {
    const details = await start('details', { port: 0 });
    const ratings = await start('ratings', { port: 0 });
    const reviews = {
      v1: await start('reviews', { port: 0, outbound, version: 'v1' }),
      v2: await start('reviews', { port: 0, outbound, version: 'v2' }),
      v3: await start('reviews', { port: 0, outbound, version: 'v3' }),
    };
    const productpage = await start('productpage', { port: 0, outbound, timeouts });
    const reset = (version: ReviewsVersion = 'v1'): void => {
      forwarder.reset();
      forwarder.route('details:9080', details.url);
      forwarder.route('ratings:9080', ratings.url);
      forwarder.route('reviews:9080', reviews[version].url);
    };
    reset();
    return { forwarder, productpage, details, ratings, reviews, reset, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The star markup the product page must show for `stars` of 5 in `color`. */
export function expectedStars(color: string, stars: number): string {
  return (
    `<font color="${color}">` +
    '<span class="glyphicon glyphicon-star"></span>'.repeat(stars) +
    '<span class="glyphicon glyphicon-star-empty"></span>'.repeat(5 - stars) +
    '</font>'
  );
}
