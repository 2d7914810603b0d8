// Frozen time for the page: Date, performance.now, requestAnimationFrame and timers all follow
// a virtual clock that only the renderer moves (to each frame's time), so a frame depends on
// its number, never on how long anything took. Runs before any other script of the page.

import "./realclock"; // evaluated before time is frozen

const EPOCH_MS = Date.UTC(2024, 0, 1); // what Date.now() says at frame 0
const MAX_TIMER_RUNS = 10000; // per settle: a timer that keeps re-arming at once is an error

interface Timer {
  id: number;
  due: number;
  fn: unknown;
  args: unknown[];
  every: number | null;
}

export const native = {
  setTimeout: window.setTimeout.bind(window),
  Date: window.Date,
  channel: new MessageChannel(),
};

let nowMs = 0;
let nextId = 1;
const timers = new Map<number, Timer>();
let frameCallbacks = new Map<number, FrameRequestCallback>();

export function setClock(ms: number): void {
  nowMs = ms;
}

function addTimer(fn: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
  const ms = Math.max(0, Number(delay) || 0);
  const id = nextId++;
  timers.set(id, { id, due: nowMs + ms, fn, args, every: repeat ? Math.max(1, ms) : null });
  return id;
}

function clearTimer(id: unknown): void {
  timers.delete(Number(id));
}

function call(fn: unknown, args: unknown[]): void {
  if (typeof fn === "function") fn(...args);
  else throw new Error("timers with code strings are not allowed in scenes");
}

// Runs timers and animation-frame callbacks due at the current virtual time; true if any ran.
export function runDue(): boolean {
  let ran = false;
  for (let runs = 0; ; runs++) {
    if (runs > MAX_TIMER_RUNS) throw new Error("a timer keeps re-arming itself without time passing");
    let first: Timer | null = null;
    for (const t of timers.values()) {
      if (t.due <= nowMs && (first === null || t.due < first.due || (t.due === first.due && t.id < first.id))) first = t;
    }
    if (first === null) break;
    if (first.every === null) timers.delete(first.id);
    else first.due += first.every;
    ran = true;
    call(first.fn, first.args);
  }
  if (frameCallbacks.size > 0) {
    const callbacks = frameCallbacks;
    frameCallbacks = new Map();
    for (const cb of callbacks.values()) cb(nowMs);
    ran = true;
  }
  return ran;
}

export function pendingNow(): boolean {
  if (frameCallbacks.size > 0) return true;
  for (const t of timers.values()) if (t.due <= nowMs) return true;
  return false;
}

// One real macrotask (not subject to the frozen timers): lets React's scheduler run.
export function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => native.setTimeout(resolve, ms));
}

function frozenDate(): DateConstructor {
  const NativeDate = native.Date;
  function FrozenDate(this: unknown, ...args: unknown[]): Date | string {
    if (!new.target) return new NativeDate(EPOCH_MS + nowMs).toString();
    if (args.length === 0) return new NativeDate(EPOCH_MS + nowMs);
    return new (NativeDate as any)(...args);
  }
  FrozenDate.prototype = NativeDate.prototype;
  FrozenDate.now = () => EPOCH_MS + nowMs;
  FrozenDate.parse = NativeDate.parse;
  FrozenDate.UTC = NativeDate.UTC;
  return FrozenDate as unknown as DateConstructor;
}

export function freezeTime(): void {
  const w = window as any;
  w.Date = frozenDate();
  Object.defineProperty(performance, "now", { value: () => nowMs, configurable: false, writable: false });
  w.setTimeout = (fn: unknown, delay?: unknown, ...args: unknown[]) => addTimer(fn, delay, args, false);
  w.setInterval = (fn: unknown, delay?: unknown, ...args: unknown[]) => addTimer(fn, delay, args, true);
  w.clearTimeout = clearTimer;
  w.clearInterval = clearTimer;
  w.requestAnimationFrame = (cb: FrameRequestCallback) => {
    const id = nextId++;
    frameCallbacks.set(id, cb);
    return id;
  };
  w.cancelAnimationFrame = (id: number) => frameCallbacks.delete(id);
  w.requestIdleCallback = (cb: (d: unknown) => void) =>
    addTimer(() => cb({ didTimeout: false, timeRemaining: () => 0 }), 0, [], false);
  w.cancelIdleCallback = clearTimer;
}
