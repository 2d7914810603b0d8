// The API scene code imports as 'remotion' (our own implementation of its documented subset).
export { interpolate } from "./interpolate";
export type { InterpolateOptions, Extrapolation } from "./interpolate";
export { Easing } from "./easing";
export { spring, measureSpring } from "./spring";
export { interpolateColors } from "./colors";
export { random } from "./random";
export { AbsoluteFill, Sequence, Series, useCurrentFrame, useVideoConfig } from "./timing";
export { delayRender, continueRender, cancelRender, useDelayRender } from "./handles";
export { Img, staticFile } from "./img";
export { Composition, Still, Folder, registerRoot, getInputProps } from "./composition";

export const VERSION = "0.1.0";
