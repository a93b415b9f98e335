// Event waits with deadlines for end-to-end tests: every wait names what it waited for when it times out.
import type { EventEmitter } from "node:events";

/** Resolves with the arguments of the next `event`; rejects on `error` (unless that is the event) or timeout. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: Pick<EventEmitter, "on" | "off">,
  event: string,
  timeoutMs: number,
  what = event,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    const onEvent = (...args: unknown[]) => finish(undefined, args as T);
    const onError = (error: unknown) => finish(error instanceof Error ? error : new Error(String(error)));
    function finish(error?: Error, args?: T) {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      if (event !== "error") emitter.off("error", onError);
      if (error) reject(error);
      else resolve(args!);
    }
    emitter.on(event, onEvent);
    if (event !== "error") emitter.on("error", onError);
  });
}

/** Rejects after `timeoutMs` unless `promise` settles first. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Re-checks `probe` until it returns a value other than undefined, for state the system changes without telling
 * anyone (e.g. a tracker dropping a closed connection's peers). Each probe is a real round trip; `pauseMs`
 * only keeps the polling under the tracker's rate limit.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs, pauseMs = 100, what }: { timeoutMs: number; pauseMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + pauseMs > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
