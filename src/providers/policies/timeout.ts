import { TaskCancelledError } from 'cockatiel';

/** What a call is given: how long it has left, and the caller's own signal, if any, to end it sooner. */
export interface CallLimits {
  /** Until the attempt's deadline: the answer must start by then (node-fetch's `timeout`). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * A call's time limit, its wait for a free slot included (see concurrency.ts): at the deadline the caller gets a
 * TaskCancelledError at once, and a call still waiting for a slot is never sent (`run` is told, through `expired`).
 * The request itself carries the time left as node-fetch's `timeout`, so it is abandoned on the wire by the same
 * deadline; the caller's signal goes with it, which ends it sooner. cockatiel's TimeoutPolicy would do this with an
 * AbortController and listeners per call, which cost 21 µs of CPU a call here (a read costs some 500): this is a timer.
 */
export function withinTimeLimit<T>(timeoutMs: number, run: (expired: () => boolean) => Promise<T>): Promise<T> {
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(new TaskCancelledError(`Operation timed out after ${timeoutMs}ms`));
    }, timeoutMs);
    run(() => expired).then(resolve, reject);
  }).finally(() => clearTimeout(timer));
}
