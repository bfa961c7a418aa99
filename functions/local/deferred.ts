/** A promise with its resolve and reject at hand (the runtime's "ready" gate for early requests). */
export function deferred(): {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
} {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // Requests only see this rejection through their own await; don't report it twice.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
