// random(seed): a deterministic number in [0, 1) per seed (mulberry32 of the seed).

function mulberry32(a: number): number {
  let t = a + 0x6d2b79f5;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  }
  return h;
}

export function random(seed: number | string | null, dummy?: unknown): number {
  if (dummy !== undefined) throw new TypeError("random() takes one argument, a seed");
  if (seed === null) {
    throw new Error(
      "random(null) would be Math.random(): not deterministic, frames would differ between renders. Pass a seed: random('my-seed')",
    );
  }
  if (typeof seed === "string") return mulberry32(hashString(seed));
  if (typeof seed === "number") {
    if (!Number.isFinite(seed)) throw new Error(`random() seed must be finite, got ${seed}`);
    return mulberry32(seed * 10000000000);
  }
  throw new TypeError(`random() seed must be a number or a string, got ${typeof seed}`);
}
