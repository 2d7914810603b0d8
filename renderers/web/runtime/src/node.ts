// The runtime for node's test runner: the API plus what tests need to render at a frame.
export * from "./index";
export { ConfigContext, FrameContext } from "./timing";
export { TransitionSeries, fade, slide, wipe, linearTiming, springTiming } from "./transitions";
export { parseColor } from "./colors";
export { openHandles, expiredHandle } from "./handles";
export { Collector, registeredRoot, resetRoot, setInputProps } from "./composition";
