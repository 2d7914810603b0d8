// Compositions: registerRoot(Root) where Root renders <Composition>s (listed in order), and the
// pass-throughs getInputProps / Folder.
const test = require("node:test");
const assert = require("node:assert/strict");
const React = require("react");
const { renderToStaticMarkup } = require("react-dom/server");
const rt = require("../dist/node.cjs");

const h = React.createElement;
const Scene = () => h("div", null, "scene");

function list(Root) {
  const found = [];
  renderToStaticMarkup(h(rt.Collector.Provider, { value: (c) => found.push(c) }, h(Root)));
  return found.map(({ id, durationInFrames, fps, width, height, defaultProps }) => ({
    id, durationInFrames, fps, width, height, defaultProps,
  }));
}

test("compositions are listed in registration order, through Folders", () => {
  const Root = () =>
    h(
      React.Fragment,
      null,
      h(rt.Composition, { id: "Intro", component: Scene, durationInFrames: 90, fps: 30, width: 1280, height: 720 }),
      h(
        rt.Folder,
        { name: "more" },
        h(rt.Composition, { id: "Chart-2", component: Scene, durationInFrames: 60, fps: 60, width: 1920, height: 1080, defaultProps: { n: 3 } }),
      ),
    );
  assert.deepEqual(list(Root), [
    { id: "Intro", durationInFrames: 90, fps: 30, width: 1280, height: 720, defaultProps: {} },
    { id: "Chart-2", durationInFrames: 60, fps: 60, width: 1920, height: 1080, defaultProps: { n: 3 } },
  ]);
});

test("a Composition outside listing draws nothing", () => {
  const html = renderToStaticMarkup(h(rt.Composition, { id: "X", component: Scene, durationInFrames: 1, fps: 30, width: 10, height: 10 }));
  assert.equal(html, "");
});

test("bad compositions are refused with their id", () => {
  const bad = (props) => () => h(rt.Composition, { id: "Bad", component: Scene, durationInFrames: 10, fps: 30, width: 10, height: 10, ...props });
  assert.throws(() => list(bad({ durationInFrames: 0 })), /Bad.*durationInFrames must be a positive integer/);
  assert.throws(() => list(bad({ fps: 29.97 })), /fps must be a positive integer/);
  assert.throws(() => list(bad({ id: "no spaces" })), /letters, digits/);
  assert.throws(() => list(bad({ component: undefined })), /needs a component/);
});

test("registerRoot once; getInputProps passes the render's props through", () => {
  rt.resetRoot();
  rt.registerRoot(Scene);
  assert.equal(rt.registeredRoot(), Scene);
  assert.throws(() => rt.registerRoot(Scene), /called twice/);
  rt.resetRoot();
  assert.deepEqual(rt.getInputProps(), {});
  rt.setInputProps({ title: "Hi" });
  assert.deepEqual(rt.getInputProps(), { title: "Hi" });
});
