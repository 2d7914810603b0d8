// spring(): a damped harmonic oscillator from 0 to 1, stepped one frame at a time (so frame
// rates change the result, as documented), then mapped onto [from, to].

export interface SpringConfig {
  mass: number;
  damping: number;
  stiffness: number;
  overshootClamping: boolean;
}

export interface SpringOptions {
  frame: number;
  fps: number;
  config?: Partial<SpringConfig>;
  from?: number;
  to?: number;
  durationInFrames?: number;
  durationRestThreshold?: number;
  delay?: number;
  reverse?: boolean;
}

const DEFAULTS: SpringConfig = { mass: 1, damping: 10, stiffness: 100, overshootClamping: false };
const MAX_STEP_MS = 64;
const REST_FRAMES = 20;
const MEASURE_LIMIT = 100000;

interface State {
  position: number;
  velocity: number;
}

function fullConfig(config: Partial<SpringConfig> | undefined): SpringConfig {
  const c = { ...DEFAULTS, ...(config ?? {}) };
  for (const key of ["mass", "damping", "stiffness"] as const) {
    if (typeof c[key] !== "number" || !Number.isFinite(c[key])) {
      throw new Error(`spring config.${key} must be a finite number, got ${String(c[key])}`);
    }
  }
  if (c.damping <= 0) throw new Error(`spring config.damping must be > 0, got ${c.damping}`);
  if (c.mass <= 0) throw new Error(`spring config.mass must be > 0, got ${c.mass}`);
  if (c.stiffness <= 0) throw new Error(`spring config.stiffness must be > 0, got ${c.stiffness}`);
  return c;
}

// One step of dtMs towards the target 1, in closed form (exact for the linear ODE).
function step(s: State, dtMs: number, c: SpringConfig): State {
  const t = dtMs / 1000;
  const zeta = c.damping / (2 * Math.sqrt(c.stiffness * c.mass));
  const omega0 = Math.sqrt(c.stiffness / c.mass);
  const d0 = s.position - 1;
  const v0 = s.velocity;
  if (zeta < 1) {
    const omega1 = omega0 * Math.sqrt(1 - zeta * zeta);
    const envelope = Math.exp(-zeta * omega0 * t);
    const a = d0;
    const b = (v0 + zeta * omega0 * d0) / omega1;
    const cos = Math.cos(omega1 * t);
    const sin = Math.sin(omega1 * t);
    const d = envelope * (a * cos + b * sin);
    const v = -zeta * omega0 * d + envelope * omega1 * (b * cos - a * sin);
    return { position: 1 + d, velocity: v };
  }
  // critically damped (also used for over-damped springs)
  const envelope = Math.exp(-omega0 * t);
  const d = envelope * (d0 + (v0 + omega0 * d0) * t);
  const v = envelope * (v0 - omega0 * t * (v0 + omega0 * d0));
  return { position: 1 + d, velocity: v };
}

function checkFps(fps: unknown): number {
  if (typeof fps !== "number" || !Number.isFinite(fps) || fps <= 0) {
    throw new Error(`spring() needs a positive fps, got ${String(fps)}`);
  }
  return fps;
}

// The normalised spring (0 -> 1) at `frame`, which may be fractional.
function normalised(frame: number, fps: number, c: SpringConfig): number {
  if (frame <= 0) return 0;
  const dt = Math.min(1000 / fps, MAX_STEP_MS);
  let s: State = { position: 0, velocity: 0 };
  const whole = Math.floor(frame);
  for (let i = 0; i < whole; i++) s = step(s, dt, c);
  const rest = frame - whole;
  if (rest > 0) s = step(s, dt * rest, c);
  return s.position;
}

export function measureSpring(options: {
  fps: number;
  config?: Partial<SpringConfig>;
  threshold?: number;
}): number {
  const fps = checkFps(options.fps);
  const c = fullConfig(options.config);
  const threshold = options.threshold ?? 0.005;
  if (!(threshold > 0)) throw new Error(`measureSpring threshold must be > 0, got ${threshold}`);
  const dt = Math.min(1000 / fps, MAX_STEP_MS);
  let s: State = { position: 0, velocity: 0 };
  let settledSince = 0; // the first frame of the current run within the threshold
  let inside = 0;
  for (let frame = 0; frame < MEASURE_LIMIT; frame++) {
    if (Math.abs(s.position - 1) < threshold) {
      if (inside === 0) settledSince = frame;
      inside++;
      if (inside >= REST_FRAMES) return settledSince;
    } else {
      inside = 0;
    }
    s = step(s, dt, c);
  }
  throw new Error("measureSpring: the spring never comes to rest");
}

export function spring(options: SpringOptions): number {
  const fps = checkFps(options.fps);
  const c = fullConfig(options.config);
  const from = options.from ?? 0;
  const to = options.to ?? 1;
  const delay = options.delay ?? 0;
  const { durationInFrames, reverse = false } = options;
  if (typeof options.frame !== "number" || Number.isNaN(options.frame)) {
    throw new TypeError(`spring() needs a number as frame, got ${String(options.frame)}`);
  }
  if (durationInFrames !== undefined && !(durationInFrames > 0)) {
    throw new Error(`spring() durationInFrames must be > 0, got ${durationInFrames}`);
  }
  const natural =
    durationInFrames !== undefined || reverse
      ? measureSpring({ fps, config: c, threshold: options.durationRestThreshold })
      : 0;
  let frame = reverse ? (durationInFrames ?? natural) - options.frame : options.frame;
  frame = reverse ? frame + delay : frame - delay;
  let value: number;
  if (durationInFrames !== undefined && frame > durationInFrames) value = 1;
  else {
    const scaled = durationInFrames !== undefined ? (frame * natural) / durationInFrames : frame;
    value = normalised(scaled, fps, c);
  }
  if (c.overshootClamping) {
    // clamped against `to` in to's own units, as documented (a quirk kept on purpose)
    if (to >= from) value = Math.min(value, to);
    else value = Math.max(value, to);
  }
  return from + value * (to - from);
}
