// A small typed event emitter that runs the same in Node and in browsers (no `node:events` in the library
// core). Listeners that throw do not stop the others. Layer: client/lib (platform-neutral).

type Listener<Args extends unknown[]> = (...args: Args) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- storage only; `on`/`emit` keep the types
type AnyListener = (...args: any[]) => void;

export class Emitter<Events extends { [event: string]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>();

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper: Listener<Events[E]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    this.listeners.get(event)?.delete(listener as AnyListener);
    return this;
  }

  /** Calls every listener of `event`; a listener's exception is reported, not propagated. */
  emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
