/** What `onX(listener)` and `watchNode` return: call `dispose()` to stop listening. */
export interface Disposable {
  dispose(): void;
}
