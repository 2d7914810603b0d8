// Render handles: a frame is captured only when none is open (delayRender / continueRender).
import { realNow } from "./realclock";

export const DELAY_TIMEOUT_MS = 30000;

interface Open {
  label: string;
  since: number;
  timeoutMs: number;
}

const open = new Map<number, Open>();
let next = 1;
let failure: Error | null = null;

export function delayRender(label?: string, options?: { timeoutInMilliseconds?: number }): number {
  const handle = next++;
  const timeoutMs = options?.timeoutInMilliseconds ?? DELAY_TIMEOUT_MS;
  open.set(handle, { label: label ?? `handle ${handle}`, since: realNow(), timeoutMs });
  return handle;
}

export function continueRender(handle: number): void {
  if (typeof handle !== "number") {
    throw new TypeError(`continueRender() expects the number delayRender() returned, got ${typeof handle}`);
  }
  open.delete(handle);
}

export function cancelRender(error: unknown): never {
  const e = error instanceof Error ? error : new Error(String(error));
  failure = e;
  throw e;
}

export function useDelayRender() {
  return { delayRender, continueRender, cancelRender };
}

// For the page: the render's state.
export function renderFailure(): Error | null {
  return failure;
}

export function openHandles(): number {
  return open.size;
}

// A handle open longer than its timeout, as an error naming its label; else null.
export function expiredHandle(): Error | null {
  const now = realNow();
  for (const [handle, h] of open) {
    if (now - h.since > h.timeoutMs) {
      const e = new Error(
        `A delayRender() handle ("${h.label}", #${handle}) was not released with continueRender() within ${h.timeoutMs} ms`,
      );
      e.name = "RenderHandleTimeout";
      return e;
    }
  }
  return null;
}
