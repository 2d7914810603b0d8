// interpolate(): maps an input range onto an output range, piecewise linearly, with easing
// and a choice of what happens outside the range (see shared/WEB-RUNTIME.md).

export type Extrapolation = "extend" | "clamp" | "identity" | "wrap";
export type EasingFn = (t: number) => number;

export interface InterpolateOptions {
  easing?: EasingFn | EasingFn[];
  extrapolateLeft?: Extrapolation;
  extrapolateRight?: Extrapolation;
}

const MODES: Extrapolation[] = ["extend", "clamp", "identity", "wrap"];

function checkRange(name: string, range: unknown): number[] {
  if (!Array.isArray(range)) {
    throw new TypeError(`${name} must be an array of numbers, got ${typeof range}`);
  }
  if (range.length < 2) {
    throw new Error(`${name} must have at least 2 elements, got [${range.join(", ")}]`);
  }
  for (const v of range) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${name} must contain only finite numbers, got [${range.join(", ")}]`);
    }
  }
  return range as number[];
}

function checkIncreasing(range: number[]): void {
  for (let i = 1; i < range.length; i++) {
    if (!(range[i] > range[i - 1])) {
      throw new Error(`inputRange must be strictly monotonically increasing, got [${range.join(", ")}]`);
    }
  }
}

function checkMode(name: string, mode: unknown): Extrapolation {
  if (mode === undefined) return "extend";
  if (!MODES.includes(mode as Extrapolation)) {
    throw new Error(`${name} must be one of ${MODES.join(", ")}, got ${String(mode)}`);
  }
  return mode as Extrapolation;
}

function segmentOf(x: number, inputRange: number[]): number {
  let i = 1;
  for (; i < inputRange.length - 1; i++) {
    if (inputRange[i] >= x) break;
  }
  return i - 1;
}

function easingFor(easing: InterpolateOptions["easing"], segment: number, segments: number): EasingFn {
  if (easing === undefined) return (t) => t;
  if (Array.isArray(easing)) {
    if (easing.length !== segments) {
      throw new Error(`easing must have one function per segment (${segments}), got ${easing.length}`);
    }
    return easing[segment];
  }
  if (typeof easing !== "function") throw new TypeError("easing must be a function or an array of functions");
  return easing;
}

function onSegment(
  x: number,
  a: number,
  b: number,
  outA: number,
  outB: number,
  ease: EasingFn,
  left: Extrapolation,
  right: Extrapolation,
): number {
  if (outA === outB) return outA;
  let v = x;
  if (v < a) {
    if (left === "identity") return v;
    if (left === "clamp") v = a;
    else if (left === "wrap") v = a + wrapOffset(v - a, b - a);
  }
  if (v > b) {
    if (right === "identity") return v;
    if (right === "clamp") v = b;
    else if (right === "wrap") v = a + wrapOffset(v - a, b - a);
  }
  const t = ease((v - a) / (b - a));
  return outA + t * (outB - outA);
}

function wrapOffset(offset: number, width: number): number {
  const m = offset % width;
  return m < 0 ? m + width : m;
}

export function interpolate(
  input: number,
  inputRange: readonly number[],
  outputRange: readonly number[],
  options: InterpolateOptions = {},
): number {
  if (typeof input !== "number") {
    throw new TypeError(`interpolate() expects a number as its first argument, got ${typeof input}`);
  }
  const inRange = checkRange("inputRange", inputRange);
  const outRange = checkRange("outputRange", outputRange);
  if (inRange.length !== outRange.length) {
    throw new Error(
      `inputRange (${inRange.length} values) and outputRange (${outRange.length} values) must have the same length`,
    );
  }
  checkIncreasing(inRange);
  const left = checkMode("extrapolateLeft", options.extrapolateLeft);
  const right = checkMode("extrapolateRight", options.extrapolateRight);
  const i = segmentOf(input, inRange);
  const ease = easingFor(options.easing, i, inRange.length - 1);
  return onSegment(input, inRange[i], inRange[i + 1], outRange[i], outRange[i + 1], ease, left, right);
}
