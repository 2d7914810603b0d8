// The timing table: which frame each child sees inside nested Sequences (a negative `from`
// included) and Series offsets, and when children are mounted.
const test = require("node:test");
const assert = require("node:assert/strict");
const React = require("react");
const { renderToStaticMarkup } = require("react-dom/server");
const rt = require("../dist/node.cjs");

const h = React.createElement;
const CONFIG = { id: "t", width: 100, height: 100, fps: 30, durationInFrames: 100, defaultProps: {}, props: {} };

// Renders `tree` at composition frame `frame`; returns {probe name: [frame, duration]}.
function seen(tree, frame, config = CONFIG) {
  const html = renderToStaticMarkup(
    h(rt.ConfigContext.Provider, { value: config }, h(rt.FrameContext.Provider, { value: frame }, tree)),
  );
  const out = {};
  for (const m of html.matchAll(/<i data-name="([^"]+)">(-?\d+)\/(-?[\d]+|Infinity)<\/i>/g)) out[m[1]] = [Number(m[2]), Number(m[3])];
  return out;
}

function Probe({ name }) {
  const frame = rt.useCurrentFrame();
  const { durationInFrames } = rt.useVideoConfig();
  return h("i", { "data-name": name }, `${frame}/${durationInFrames}`);
}

const nested = h(
  React.Fragment,
  null,
  h(Probe, { name: "top" }),
  h(
    rt.Sequence,
    { from: 10, durationInFrames: 50 },
    h(Probe, { name: "outer" }),
    h(rt.Sequence, { from: -5, durationInFrames: 20 }, h(Probe, { name: "neg" })),
    h(rt.Sequence, { from: 5, layout: "none" }, h(Probe, { name: "inner" })),
  ),
);

test("nested Sequences: frames, durations and mounting (table)", () => {
  // frame -> what each probe sees [frame, useVideoConfig().durationInFrames]; absent = unmounted
  const table = {
    0: { top: [0, 100] },
    9: { top: [9, 100] },
    10: { top: [10, 100], outer: [0, 50], neg: [5, 20] },
    14: { top: [14, 100], outer: [4, 50], neg: [9, 20], inner: [-1, 45] },
    24: { top: [24, 100], outer: [14, 50], neg: [19, 20], inner: [9, 45] },
    25: { top: [25, 100], outer: [15, 50], inner: [10, 45] },
    59: { top: [59, 100], outer: [49, 50], inner: [44, 45] },
    60: { top: [60, 100] },
    99: { top: [99, 100] },
    150: { top: [99, 100] }, // the composition's frame is clamped to its last
  };
  // inner (from 5 relative to outer) mounts at outer frame 5 = composition frame 15
  table[14] = { top: [14, 100], outer: [4, 50], neg: [9, 20] };
  table[15] = { top: [15, 100], outer: [5, 50], neg: [10, 20], inner: [0, 45] };
  for (const [frame, expected] of Object.entries(table)) {
    assert.deepEqual(seen(nested, Number(frame)), expected, `at frame ${frame}`);
  }
});

test("a negative from shows the sequence's later frames from the start", () => {
  const tree = h(rt.Sequence, { from: -30, durationInFrames: 40 }, h(Probe, { name: "s" }));
  assert.deepEqual(seen(tree, 0), { s: [30, 40] });
  assert.deepEqual(seen(tree, 9), { s: [39, 40] });
  assert.deepEqual(seen(tree, 10), {});
});

test("layout=none renders no wrapper; with style it is an error", () => {
  const wrapped = renderToStaticMarkup(
    h(rt.ConfigContext.Provider, { value: CONFIG }, h(rt.FrameContext.Provider, { value: 0 }, h(rt.Sequence, null, "x"))),
  );
  assert.match(wrapped, /^<div style="position:absolute;top:0;left:0;right:0;bottom:0;width:100%;height:100%;display:flex;flex-direction:column">x<\/div>$/);
  const bare = renderToStaticMarkup(
    h(rt.ConfigContext.Provider, { value: CONFIG }, h(rt.FrameContext.Provider, { value: 0 }, h(rt.Sequence, { layout: "none" }, "x"))),
  );
  assert.equal(bare, "x");
  assert.throws(() => seen(h(rt.Sequence, { layout: "none", style: { color: "red" } }), 0), /layout="none"/);
  assert.throws(() => seen(h(rt.Sequence, { durationInFrames: 0 }), 0), /positive/);
  assert.throws(() => seen(h(rt.Sequence, { from: NaN }), 0), /finite/);
});

const series = h(
  rt.Series,
  null,
  h(rt.Series.Sequence, { durationInFrames: 10 }, h(Probe, { name: "a" })),
  h(rt.Series.Sequence, { durationInFrames: 10, offset: 5 }, h(Probe, { name: "b" })),
  h(rt.Series.Sequence, { durationInFrames: 10, offset: -3 }, h(Probe, { name: "c" })),
  h(rt.Series.Sequence, { durationInFrames: Infinity }, h(Probe, { name: "d" })),
);

test("Series with offsets (table)", () => {
  // a: 0-9; b: 15-24 (offset 5); c: 22-31 (offset -3, overlaps b); d: 32-
  const table = {
    0: { a: [0, 10] },
    9: { a: [9, 10] },
    10: {},
    15: { b: [0, 10] },
    22: { b: [7, 10], c: [0, 10] },
    24: { b: [9, 10], c: [2, 10] },
    31: { c: [9, 10] },
    32: { d: [0, 68] },
    99: { d: [67, 68] },
  };
  for (const [frame, expected] of Object.entries(table)) {
    assert.deepEqual(seen(series, Number(frame)), expected, `at frame ${frame}`);
  }
});

test("Series refuses bad children and durations", () => {
  assert.throws(() => seen(h(rt.Series, null, h("div")), 0), /only <Series.Sequence>/);
  const bad = h(rt.Series, null, h(rt.Series.Sequence, { durationInFrames: Infinity }), h(rt.Series.Sequence, { durationInFrames: 5 }));
  assert.throws(() => seen(bad, 0), /positive integer/);
  assert.throws(() => seen(h(rt.Series, null, h(rt.Series.Sequence, { durationInFrames: 2.5 })), 0), /positive integer/);
});

test("TransitionSeries overlaps sequences by the transition's length", () => {
  const tree = h(
    rt.TransitionSeries,
    null,
    h(rt.TransitionSeries.Sequence, { durationInFrames: 30 }, h(Probe, { name: "a" })),
    h(rt.TransitionSeries.Transition, { presentation: rt.fade(), timing: rt.linearTiming({ durationInFrames: 10 }) }),
    h(rt.TransitionSeries.Sequence, { durationInFrames: 30 }, h(Probe, { name: "b" })),
  );
  assert.deepEqual(seen(tree, 19), { a: [19, 30] });
  assert.deepEqual(seen(tree, 20), { a: [20, 30], b: [0, 30] });
  assert.deepEqual(seen(tree, 29), { a: [29, 30], b: [9, 30] });
  assert.deepEqual(seen(tree, 30), { b: [10, 30] });
  const html = (f) =>
    renderToStaticMarkup(h(rt.ConfigContext.Provider, { value: CONFIG }, h(rt.FrameContext.Provider, { value: f }, tree)));
  assert.match(html(25), /opacity:0.5/); // halfway through the fade, b is half visible
});

test("render handles: open until continued", () => {
  const before = rt.openHandles();
  const handle = rt.delayRender("loading data");
  assert.equal(rt.openHandles(), before + 1);
  rt.continueRender(handle);
  assert.equal(rt.openHandles(), before);
  assert.equal(rt.expiredHandle(), null);
  const short = rt.delayRender("never released", { timeoutInMilliseconds: -1 });
  assert.match(String(rt.expiredHandle()), /never released/);
  rt.continueRender(short);
});

test("staticFile maps names to the lesson's assets and refuses URLs", () => {
  assert.equal(rt.staticFile("logo.png"), "/static/logo.png");
  assert.equal(rt.staticFile("/img/a b.png"), "/static/img/a%20b.png");
  assert.throws(() => rt.staticFile("https://example.com/x.png"), /not a URL/);
  assert.throws(() => rt.staticFile("../etc/passwd"), /not a valid asset name/);
});
