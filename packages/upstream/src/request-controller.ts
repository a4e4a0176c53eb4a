import { errors } from 'undici';
import type { Dispatcher } from 'undici';

/**
 * The controller half of a pool's request object (both pools make the request its own
 * controller, so a request costs one object): undici's abort/pause/resume contract, each
 * passed on once to where the request is now.
 */
export abstract class RequestController implements Dispatcher.DispatchController {
  /** The handler has had (or is having) its last callback; nothing more is delivered. */
  done = false;
  #paused = false;
  #aborted = false;
  #reason: Error | null = null;

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason?: Error): void {
    if (this.#aborted || this.done) return;
    this.#aborted = true;
    const error = reason ?? new errors.RequestAbortedError();
    this.#reason = error;
    this.onAbort(error);
  }

  pause(): void {
    if (this.#paused || this.done) return;
    this.#paused = true;
    this.onPause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.done) this.onResume();
  }

  /** Aborted (the first time, before the end): stop the request and fail it with `error`. */
  protected abstract onAbort(error: Error): void;
  protected abstract onPause(): void;
  protected abstract onResume(): void;
}
