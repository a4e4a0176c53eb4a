/** What `onX(listener)` returns: call `dispose()` to stop listening. */
export interface Disposable {
  dispose(): void;
}
