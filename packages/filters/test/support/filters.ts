import type { CompiledHttpFilter, FilterStatus, HeaderMap, HttpFilter, HttpFilterContext } from '../../src/index.js';

/** A filter that writes every callback it gets into a shared log, as `name:event`. */
export function recorder(name: string, log: string[], overrides: (ctx: HttpFilterContext) => HttpFilter = () => ({})): CompiledHttpFilter {
  return {
    name,
    create(ctx) {
      const custom = overrides(ctx);
      const record = (event: string, call: (() => FilterStatus | undefined) | undefined): FilterStatus => {
        log.push(`${name}:${event}`);
        return call?.() ?? 'continue';
      };
      return {
        onRequestHeaders: (h, end) => record(`reqHeaders${end ? ':end' : ''}`, custom.onRequestHeaders && (() => custom.onRequestHeaders?.(h, end))),
        onRequestData: (d, end) => record(`reqData(${d.length}${end ? ',end' : ''})`, custom.onRequestData && (() => custom.onRequestData?.(d, end))),
        onRequestTrailers: (t) => record('reqTrailers', custom.onRequestTrailers && (() => custom.onRequestTrailers?.(t))),
        onResponseHeaders: (h, end) =>
          record(`respHeaders(${String(h[':status'])}${end ? ',end' : ''})`, custom.onResponseHeaders && (() => custom.onResponseHeaders?.(h, end))),
        onResponseData: (d, end) => record(`respData(${d.length}${end ? ',end' : ''})`, custom.onResponseData && (() => custom.onResponseData?.(d, end))),
        onResponseTrailers: (t) => record('respTrailers', custom.onResponseTrailers && (() => custom.onResponseTrailers?.(t))),
        onDestroy: () => {
          log.push(`${name}:destroy`);
          custom.onDestroy?.();
        },
      };
    },
  };
}

/** Holds every request and answers it 200 with `body` after `delayMs`, without routing it. */
export function answerLater(delayMs: number, body: string): CompiledHttpFilter {
  return {
    name: 'test.answer_later',
    create: (ctx) => ({
      onRequestHeaders: () => {
        setTimeout(() => ctx.respond(200, body), delayMs);
        return 'stop';
      },
    }),
  };
}

/**
 * A terminal filter that answers every request with 200 and the request body it received,
 * honouring downstream back-pressure; request trailers come back as response trailers.
 */
export function echo(options: { readonly chunks?: number } = {}): CompiledHttpFilter {
  return { name: 'test.echo', create: (ctx) => new EchoFilter(ctx, options.chunks ?? 1) };
}

class EchoFilter implements HttpFilter {
  private readonly received: Buffer[] = [];
  private readonly seenHeaders: Record<string, unknown> = {};

  constructor(
    private readonly ctx: HttpFilterContext,
    private readonly chunks: number,
  ) {}

  onRequestHeaders(headers: HeaderMap, endOfStream: boolean): FilterStatus {
    Object.assign(this.seenHeaders, headers);
    if (endOfStream) this.reply(undefined);
    // The last filter: 'continue' delivers nowhere, while 'stop' would hold the body from itself.
    return 'continue';
  }

  onRequestData(data: Buffer, endOfStream: boolean): FilterStatus {
    this.received.push(data);
    if (endOfStream) this.reply(undefined);
    return 'continue';
  }

  onRequestTrailers(trailers: HeaderMap): FilterStatus {
    this.reply(trailers);
    return 'continue';
  }

  private reply(trailers: HeaderMap | undefined): void {
    const body = Buffer.concat(this.received);
    this.ctx.encodeHeaders(
      { ':status': '200', 'content-type': 'application/octet-stream', 'x-seen-headers': JSON.stringify(this.seenHeaders) },
      false,
    );
    // Several chunks, each sent only when the downstream can take it.
    const size = Math.ceil(body.length / this.chunks);
    let offset = 0;
    const sendMore = (): void => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + size);
        offset += chunk.length;
        const last = offset >= body.length && trailers === undefined;
        if (!this.ctx.encodeData(chunk, last) && !last) {
          this.ctx.onDownstreamDrain(sendMore);
          return;
        }
        if (last) return;
      }
      if (trailers !== undefined) this.ctx.encodeTrailers({ ...trailers });
      else this.ctx.encodeData(Buffer.alloc(0), true);
    };
    sendMore();
  }
}
