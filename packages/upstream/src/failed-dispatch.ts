import type { Dispatcher } from 'undici';

/** Fails a request before it reaches a connection, through a controller-style handler, as undici does. */
export function rejectDispatch(handler: Dispatcher.DispatchHandler, error: Error): false {
  handler.onResponseError?.(new FailedController(error), error);
  return false;
}

class FailedController implements Dispatcher.DispatchController {
  constructor(readonly reason: Error) {}
  get aborted(): boolean {
    return true;
  }
  get paused(): boolean {
    return false;
  }
  abort(): void {}
  pause(): void {}
  resume(): void {}
}
