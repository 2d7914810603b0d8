// Golden values and documented behaviour of the runtime's math (shared/WEB-RUNTIME.md).
const test = require("node:test");
const assert = require("node:assert/strict");
const rt = require("../dist/node.cjs");

test("measureSpring of a damping-200 spring at 30 fps is 23 frames", () => {
  assert.equal(rt.measureSpring({ fps: 30, config: { damping: 200 } }), 23);
});

test("random() golden values", () => {
  assert.equal(rt.random(1), 0.07301638228818774);
  assert.equal(rt.random("random-x-0"), 0.2887063352391124);
  assert.equal(rt.random("a"), rt.random("a"));
  assert.notEqual(rt.random(2), rt.random(1));
  assert.throws(() => rt.random(null), /not deterministic/);
});

test("interpolate(1.5, [0, 1], [0, 2]) per extrapolation", () => {
  const at = (mode) => rt.interpolate(1.5, [0, 1], [0, 2], { extrapolateRight: mode });
  assert.deepEqual(["extend", "clamp", "identity", "wrap"].map(at), [3, 2, 1.5, 1]);
  const left = (mode) => rt.interpolate(-0.5, [0, 1], [0, 2], { extrapolateLeft: mode });
  assert.deepEqual(["extend", "clamp", "identity", "wrap"].map(left), [-1, 0, -0.5, 1]);
});

test("interpolate: segments, equal outputs, per-segment easing", () => {
  assert.equal(rt.interpolate(15, [0, 10, 20], [0, 100, 0]), 50);
  assert.equal(rt.interpolate(5, [0, 10], [7, 7]), 7);
  const ease = [rt.Easing.quad, rt.Easing.linear];
  assert.equal(rt.interpolate(5, [0, 10, 20], [0, 1, 2], { easing: ease }), 0.25);
  assert.equal(rt.interpolate(15, [0, 10, 20], [0, 1, 2], { easing: ease }), 1.5);
  // easing also applies outside 0..1 under extend
  assert.equal(rt.interpolate(20, [0, 10], [0, 1], { easing: rt.Easing.quad }), 4);
});

test("interpolate errors name the bad range", () => {
  assert.throws(() => rt.interpolate(1, [0, 0], [0, 1]), /strictly monotonically increasing.*\[0, 0\]/);
  assert.throws(() => rt.interpolate(1, [1, 0], [0, 1]), /increasing/);
  assert.throws(() => rt.interpolate(1, [0], [0]), /at least 2/);
  assert.throws(() => rt.interpolate(1, [0, 1], [0, 1, 2]), /same length/);
  assert.throws(() => rt.interpolate(1, [0, Infinity], [0, 1]), /finite/);
  assert.throws(() => rt.interpolate("1", [0, 1], [0, 1]), TypeError);
  assert.throws(() => rt.interpolate(1, [0, 1], [0, 1], { extrapolateLeft: "bounce" }), /extrapolateLeft/);
});

test("spring: starts at from, settles at to, frame <= 0 is the start", () => {
  assert.equal(rt.spring({ frame: 0, fps: 30 }), 0);
  assert.equal(rt.spring({ frame: -5, fps: 30, from: 3, to: 9 }), 3);
  const late = rt.spring({ frame: 300, fps: 30, from: 10, to: 20 });
  assert.ok(Math.abs(late - 20) < 1e-6);
  // under-damped overshoots, critically/over-damped does not
  const bouncy = Array.from({ length: 60 }, (_, f) => rt.spring({ frame: f, fps: 30 }));
  assert.ok(Math.max(...bouncy) > 1.1);
  const stiff = Array.from({ length: 60 }, (_, f) => rt.spring({ frame: f, fps: 30, config: { damping: 200 } }));
  assert.ok(Math.max(...stiff) <= 1);
  assert.ok(stiff.every((v, i) => i === 0 || v >= stiff[i - 1]));
});

test("spring: fractional frames step part of a frame", () => {
  const a = rt.spring({ frame: 4, fps: 30 });
  const b = rt.spring({ frame: 5, fps: 30 });
  const mid = rt.spring({ frame: 4.5, fps: 30 });
  assert.ok(mid > a && mid < b);
});

test("spring: below ~15.6 fps each step is capped at 64 ms", () => {
  // at 10 fps a frame is 100 ms but steps 64 ms: slower than the same time at 30 fps
  const at10 = rt.spring({ frame: 3, fps: 10 }); // 3 steps of 64 ms
  const capped = rt.spring({ frame: 192 / (1000 / 30), fps: 30 }); // 192 ms at 30 fps
  assert.ok(Math.abs(at10 - capped) < 0.05, `${at10} vs ${capped}`);
  assert.notEqual(at10, rt.spring({ frame: 9, fps: 30 }));
});

test("spring: overshootClamping clamps in to's units", () => {
  const clamped = Array.from({ length: 40 }, (_, f) =>
    rt.spring({ frame: f, fps: 30, config: { overshootClamping: true } }),
  );
  assert.ok(Math.max(...clamped) <= 1);
  // the quirk: the normalised value is clamped against `to` itself (0.5 here)
  const quirk = rt.spring({ frame: 100, fps: 30, to: 0.5, config: { overshootClamping: true } });
  assert.equal(quirk, 0.25);
});

test("spring: durationInFrames stretches, reverse and delay", () => {
  assert.equal(rt.spring({ frame: 61, fps: 30, durationInFrames: 60 }), 1);
  const natural = rt.measureSpring({ fps: 30, config: {} });
  const stretched = rt.spring({ frame: 20, fps: 30, durationInFrames: natural * 2 });
  assert.ok(Math.abs(stretched - rt.spring({ frame: 10, fps: 30 })) < 1e-12);
  assert.equal(rt.spring({ frame: 10, fps: 30, delay: 10 }), 0);
  assert.equal(rt.spring({ frame: 15, fps: 30, delay: 10 }), rt.spring({ frame: 5, fps: 30 }));
  const rev = rt.spring({ frame: 0, fps: 30, reverse: true, durationInFrames: 30 });
  assert.ok(Math.abs(rev - 1) < 0.01);
  assert.equal(rt.spring({ frame: 30, fps: 30, reverse: true, durationInFrames: 30 }), 0);
  assert.throws(() => rt.spring({ frame: 1, fps: 30, config: { damping: 0 } }), /damping/);
});

test("Easing: ends, modifiers and bezier", () => {
  const E = rt.Easing;
  for (const f of [E.linear, E.ease, E.quad, E.cubic, E.poly(4), E.sin, E.circle, E.bounce, E.bezier(0.25, 0.1, 0.25, 1)]) {
    assert.ok(Math.abs(f(0)) < 1e-9 && Math.abs(f(1) - 1) < 1e-6);
  }
  assert.equal(E.step0(0), 0);
  assert.equal(E.step0(0.1), 1);
  assert.equal(E.step1(0.9), 0);
  assert.equal(E.step1(1), 1);
  assert.equal(E.out(E.quad)(0.5), 0.75);
  assert.equal(E.inOut(E.quad)(0.25), 0.125);
  assert.ok(Math.abs(E.bezier(0.42, 0, 1, 1)(0.5) - E.ease(0.5)) < 1e-12);
  assert.ok(Math.abs(E.bezier(0, 0, 1, 1)(0.3) - 0.3) < 1e-12);
  // CSS ease-in-out at its midpoint is 0.5 by symmetry
  assert.ok(Math.abs(E.bezier(0.42, 0, 0.58, 1)(0.5) - 0.5) < 1e-6);
  assert.ok(E.back()(0.2) < 0);
  assert.ok(Math.abs(E.exp(1) - 1) < 1e-12);
  assert.ok(Math.abs(E.elastic(1)(1) - 1) < 1e-9);
});

test("interpolateColors", () => {
  assert.equal(rt.interpolateColors(0.5, [0, 1], ["#000000", "#ffffff"]), "rgba(128, 128, 128, 1)");
  assert.equal(rt.interpolateColors(2, [0, 1], ["red", "blue"]), "rgba(0, 0, 255, 1)");
  assert.equal(rt.interpolateColors(-1, [0, 1], ["red", "blue"]), "rgba(255, 0, 0, 1)");
  assert.equal(rt.interpolateColors(0.5, [0, 1], ["rgba(0, 0, 0, 0)", "#fff8"]), "rgba(128, 128, 128, 0.267)");
  assert.equal(rt.interpolateColors(0, [0, 1], ["hsl(120, 100%, 50%)", "black"]), "rgba(0, 255, 0, 1)");
  assert.equal(rt.interpolateColors(0, [0, 1], ["#abc", "black"]), "rgba(170, 187, 204, 1)");
  assert.throws(() => rt.interpolateColors(0, [0, 1], ["notacolour", "black"]), /cannot parse colour/);
});
