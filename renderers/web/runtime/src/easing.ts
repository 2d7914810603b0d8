// Easing functions on t in 0..1 (the usual definitions; bezier is CSS cubic-bezier()).
import type { EasingFn } from "./interpolate";

const NEWTON_STEPS = 8;
const NEWTON_MIN_SLOPE = 0.001;
const BISECTION_STEPS = 40;
const EPSILON = 1e-7;

function bezierCoords(p1: number, p2: number): [number, number, number] {
  // B(t) = a t^3 + b t^2 + c t for control points 0, p1, p2, 1
  const c = 3 * p1;
  const b = 3 * (p2 - p1) - c;
  const a = 1 - c - b;
  return [a, b, c];
}

export function bezier(x1: number, y1: number, x2: number, y2: number): EasingFn {
  if (!(x1 >= 0 && x1 <= 1 && x2 >= 0 && x2 <= 1)) {
    throw new Error(`bezier x values must be in [0, 1], got ${x1} and ${x2}`);
  }
  if (x1 === y1 && x2 === y2) return (t) => t;
  const [ax, bx, cx] = bezierCoords(x1, x2);
  const [ay, by, cy] = bezierCoords(y1, y2);
  const x = (t: number) => ((ax * t + bx) * t + cx) * t;
  const dx = (t: number) => (3 * ax * t + 2 * bx) * t + cx;
  const y = (t: number) => ((ay * t + by) * t + cy) * t;
  const solve = (target: number): number => {
    let t = target;
    for (let i = 0; i < NEWTON_STEPS; i++) {
      const slope = dx(t);
      if (Math.abs(slope) < NEWTON_MIN_SLOPE) break;
      const err = x(t) - target;
      if (Math.abs(err) < EPSILON) return t;
      t -= err / slope;
    }
    let lo = 0;
    let hi = 1;
    t = target;
    for (let i = 0; i < BISECTION_STEPS; i++) {
      const err = x(t) - target;
      if (Math.abs(err) < EPSILON) return t;
      if (err > 0) hi = t;
      else lo = t;
      t = (lo + hi) / 2;
    }
    return t;
  };
  return (t) => {
    if (t === 0 || t === 1) return t;
    return y(solve(t));
  };
}

function bounce(t: number): number {
  if (t < 1 / 2.75) return 7.5625 * t * t;
  if (t < 2 / 2.75) {
    const u = t - 1.5 / 2.75;
    return 7.5625 * u * u + 0.75;
  }
  if (t < 2.5 / 2.75) {
    const u = t - 2.25 / 2.75;
    return 7.5625 * u * u + 0.9375;
  }
  const u = t - 2.625 / 2.75;
  return 7.5625 * u * u + 0.984375;
}

export const Easing = {
  step0: (n: number) => (n > 0 ? 1 : 0),
  step1: (n: number) => (n >= 1 ? 1 : 0),
  linear: (t: number) => t,
  ease: (t: number) => EASE(t),
  quad: (t: number) => t * t,
  cubic: (t: number) => t * t * t,
  poly: (n: number): EasingFn => (t) => Math.pow(t, n),
  sin: (t: number) => 1 - Math.cos((t * Math.PI) / 2),
  circle: (t: number) => 1 - Math.sqrt(1 - t * t),
  exp: (t: number) => Math.pow(2, 10 * (t - 1)),
  elastic: (bounciness = 1): EasingFn => {
    const p = bounciness * Math.PI;
    return (t) => 1 - Math.pow(Math.cos((t * Math.PI) / 2), 3) * Math.cos(t * p);
  },
  back: (s = 1.70158): EasingFn => (t) => t * t * ((s + 1) * t - s),
  bounce,
  bezier,
  in: (easing: EasingFn): EasingFn => easing,
  out: (easing: EasingFn): EasingFn => (t) => 1 - easing(1 - t),
  inOut: (easing: EasingFn): EasingFn => (t) => (t < 0.5 ? easing(t * 2) / 2 : 1 - easing((1 - t) * 2) / 2),
};

const EASE = bezier(0.42, 0, 1, 1);
