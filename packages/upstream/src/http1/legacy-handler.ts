import { Buffer } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

/** The callback-style handler undici's `request()`, `stream()`, `pipeline()` and `fetch()` pass to `dispatch`. */
interface LegacyHandler {
  onConnect?(abort: (reason?: Error) => void, context?: unknown): void;
  onError?(error: Error): void;
  onUpgrade?(statusCode: number, headers: Buffer[], socket: Duplex): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[]): void;
}

/** True when the handler uses the controller-based API (undici picks the shape the same way). */
export function isControllerHandler(handler: Dispatcher.DispatchHandler): boolean {
  return typeof handler.onRequestStart === 'function';
}

/**
 * Presents a legacy handler through the controller API, as undici's internal `WrapHandler` does:
 * `false` from onHeaders/onData pauses, the `resume` callback resumes, headers go back to the raw
 * `[name, value, …]` Buffer list (one pair per value, as they came off the wire).
 */
export class LegacyHandlerAdapter implements Dispatcher.DispatchHandler {
  readonly #handler: LegacyHandler;
  #controller: Dispatcher.DispatchController | null = null;
  readonly #resume = (): void => this.#controller?.resume();

  constructor(handler: Dispatcher.DispatchHandler) {
    this.#handler = handler as unknown as LegacyHandler;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#controller = controller;
    this.#handler.onConnect?.((reason) => controller.abort(reason ?? new Error('aborted')), context);
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.#handler.onUpgrade?.(statusCode, rawFields(headers), socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.#handler.onResponseStarted?.();
    if (this.#handler.onHeaders?.(statusCode, rawFields(headers), this.#resume, statusMessage ?? '') === false) controller.pause();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#handler.onData?.(chunk) === false) controller.pause();
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#handler.onComplete?.(rawFields(trailers));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#handler.onError?.(error);
  }
}

function rawFields(fields: IncomingHttpHeaders): Buffer[] {
  const raw: Buffer[] = [];
  for (const name in fields) {
    const value = fields[name];
    if (value === undefined) continue;
    const key = Buffer.from(name, 'latin1');
    if (typeof value === 'string') raw.push(key, Buffer.from(value, 'latin1'));
    else for (const item of value) raw.push(key, Buffer.from(item, 'latin1'));
  }
  return raw;
}
