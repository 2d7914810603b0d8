// The page side of a render: loads the scene, lists its compositions, renders frame f on
// request and answers once the frame is ready to capture (React committed, no render handle
// open, fonts loaded, images decoded).
import "./freeze"; // first: before React (or anything else) keeps a reference to the real clock
import React from "react";
import { flushSync } from "react-dom";
import { createRoot, type Root } from "react-dom/client";
import { Collector, registeredRoot, setInputProps, type CompositionInfo } from "./composition";
import { expiredHandle, openHandles, renderFailure } from "./handles";
import { MODULE_NAMES, requireModule } from "./modules";
import { ConfigContext, FrameContext, type VideoConfig } from "./timing";
import { macrotask, pendingNow, realSleep, runDue, setClock } from "./clock";

const SETTLE_POLL_MS = 5;
const MAX_SETTLE_ROUNDS = 1000000;

let failure: unknown = null;
window.addEventListener("error", (e) => {
  failure ??= e.error ?? new Error(e.message);
});
window.addEventListener("unhandledrejection", (e) => {
  failure ??= e.reason ?? new Error("unhandled promise rejection");
});

function fail(): void {
  const e = failure ?? renderFailure() ?? expiredHandle();
  if (e) throw e;
}

interface Mounted {
  root: Root;
  info: CompositionInfo;
  config: VideoConfig;
  presetFps: number;
}

let mounted: Mounted | null = null;

function listCompositions(): CompositionInfo[] {
  fail();
  const Root = registeredRoot();
  if (Root === null) throw new Error("the scene file must call registerRoot(Root), where Root renders <Composition>s");
  const found: CompositionInfo[] = [];
  const collect = (c: CompositionInfo) => {
    if (found.some((f) => f.id === c.id)) throw new Error(`two compositions have the id "${c.id}"`);
    found.push(c);
  };
  const holder = document.createElement("div");
  const root = createRoot(holder, { onUncaughtError: (e) => (failure ??= e) });
  flushSync(() =>
    root.render(
      <Collector.Provider value={collect}>
        <Root />
      </Collector.Provider>,
    ),
  );
  root.unmount();
  fail();
  if (found.length === 0) throw new Error("registerRoot(Root): Root rendered no <Composition>");
  return found;
}

function describe(c: CompositionInfo) {
  return { id: c.id, durationInFrames: c.durationInFrames, fps: c.fps, width: c.width, height: c.height };
}

// The stage is the composition's own size, scaled (and letterboxed) onto the viewport.
function stage(info: CompositionInfo, width: number, height: number): HTMLElement {
  const el = document.getElementById("stage")!;
  const scale = Math.min(width / info.width, height / info.height);
  const dx = (width - info.width * scale) / 2;
  const dy = (height - info.height * scale) / 2;
  Object.assign(el.style, {
    position: "absolute",
    left: "0px",
    top: "0px",
    width: `${info.width}px`,
    height: `${info.height}px`,
    overflow: "hidden",
    transformOrigin: "0 0",
    transform: scale === 1 && dx === 0 && dy === 0 ? "none" : `translate(${dx}px, ${dy}px) scale(${scale})`,
  });
  return el;
}

function mount(id: string, width: number, height: number, presetFps: number, props: Record<string, unknown>) {
  const info = listCompositions().find((c) => c.id === id);
  if (!info) throw new Error(`no composition "${id}" in this file`);
  setInputProps(props);
  const all = { ...info.defaultProps, ...props };
  const config: VideoConfig = {
    id: info.id,
    width: info.width,
    height: info.height,
    fps: info.fps,
    durationInFrames: info.durationInFrames,
    defaultProps: info.defaultProps,
    props: all,
  };
  const root = createRoot(stage(info, width, height), { onUncaughtError: (e) => (failure ??= e) });
  mounted = { root, info, config, presetFps };
  return describe(info);
}

// The preset's frame -> the composition's frame: the latest composition frame at that time.
function compositionFrame(f: number, m: Mounted): number {
  return Math.floor((f * m.info.fps) / m.presetFps + 1e-9);
}

async function images(): Promise<void> {
  const pending = Array.from(document.images).map((img) => img.decode().catch(() => undefined));
  await Promise.all(pending);
}

async function settle(): Promise<number> {
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    runDue();
    await macrotask(); // React's scheduler: passive effects, transitions
    fail();
    if (openHandles() > 0) {
      await realSleep(SETTLE_POLL_MS);
      continue;
    }
    await document.fonts.ready;
    await images();
    await macrotask();
    fail();
    if (openHandles() === 0 && !pendingNow()) return round;
  }
  throw new Error("the frame never settled");
}

async function frame(f: number): Promise<number> {
  const m = mounted;
  if (m === null) throw new Error("mount() a composition first");
  const cf = compositionFrame(f, m);
  setClock((cf * 1000) / m.info.fps);
  fail();
  const tree = (
    <ConfigContext.Provider value={m.config}>
      <FrameContext.Provider value={cf}>
        <m.info.component {...m.config.props} />
      </FrameContext.Provider>
    </ConfigContext.Provider>
  );
  flushSync(() => m.root.render(tree));
  fail();
  await settle();
  return cf;
}

function errorInfo(e: unknown) {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: String(e.stack ?? "").slice(0, 4000) };
  return { name: "Error", message: String(e), stack: "" };
}

// Every call answers {ok: value} or {error: {name, message, stack}}: never a thrown exception
// that the controller would have to parse out of the DevTools protocol.
async function answer<T>(fn: () => T | Promise<T>) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: errorInfo(e) };
  }
}

const harness = Object.freeze({
  require: requireModule,
  modules: MODULE_NAMES,
  compositions: () => answer(() => listCompositions().map(describe)),
  mount: (id: string, w: number, h: number, fps: number, props: Record<string, unknown> = {}) =>
    answer(() => mount(id, w, h, fps, props)),
  frame: (f: number) => answer(() => frame(f)),
  boxes: () => answer(() => layoutBoxes()),
});

// DOM boxes for the layout check: elements that draw text of their own, where they are on
// the viewport, whether their text overflows them; invisible ones (opacity ~0, hidden) skipped.
function visible(el: HTMLElement): boolean {
  for (let e: HTMLElement | null = el; e !== null; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.visibility === "hidden" || style.display === "none" || parseFloat(style.opacity) < 0.01) return false;
  }
  return true;
}

// Where the text itself is drawn (its element's box may be wider, or narrower when it spills).
function textExtent(nodes: Node[]): { x: number; y: number; width: number; height: number } | null {
  const range = document.createRange();
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
  for (const node of nodes) {
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) continue;
    left = Math.min(left, r.left);
    top = Math.min(top, r.top);
    right = Math.max(right, r.right);
    bottom = Math.max(bottom, r.bottom);
  }
  return left < right ? { x: left, y: top, width: right - left, height: bottom - top } : null;
}

function layoutBoxes() {
  const out: { text: string; x: number; y: number; w: number; h: number; overflow: boolean }[] = [];
  const walker = document.createTreeWalker(document.getElementById("stage")!, NodeFilter.SHOW_ELEMENT);
  for (let n = walker.nextNode(); n !== null && out.length < 500; n = walker.nextNode()) {
    const el = n as HTMLElement;
    const texts = Array.from(el.childNodes).filter((c) => c.nodeType === 3 && (c.textContent ?? "").trim());
    if (texts.length === 0 || !visible(el)) continue;
    const r = textExtent(texts);
    if (r === null) continue;
    // inline elements have no client box of their own: only blocks can overflow
    const block = el.clientWidth > 0 && el.clientHeight > 0;
    const overflow = block && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    out.push({ text: (el.textContent ?? "").trim().slice(0, 60), x: r.x, y: r.y, w: r.width, h: r.height, overflow });
  }
  return out;
}

Object.defineProperty(window, "__sf", { value: harness, writable: false, configurable: false });
