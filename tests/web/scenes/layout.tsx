// Layout problems the probe should find, and text it should leave alone.
import React from "react";
import { AbsoluteFill, Composition, interpolate, registerRoot, useCurrentFrame } from "remotion";

const Bad: React.FC = () => (
  <AbsoluteFill style={{ background: "white", fontFamily: "DejaVu Sans", fontSize: 48 }}>
    <div style={{ position: "absolute", left: 1100, top: 100, whiteSpace: "nowrap" }}>Cut off at the right</div>
    <div style={{ position: "absolute", left: 100, top: 300, width: 120, whiteSpace: "nowrap", overflow: "hidden" }}>
      Overflowing its narrow box
    </div>
    <div style={{ position: "absolute", left: 100, top: 500 }}>First label</div>
    <div style={{ position: "absolute", left: 110, top: 510 }}>Second label</div>
  </AbsoluteFill>
);

const Good: React.FC = () => {
  const frame = useCurrentFrame();
  const left = interpolate(frame, [0, 29], [-600, 100], { extrapolateRight: "clamp" });
  return (
    <AbsoluteFill style={{ background: "white", fontFamily: "DejaVu Sans", fontSize: 48, padding: 60 }}>
      <h1 style={{ margin: 0 }}>A title <span style={{ color: "tomato" }}>with a span</span></h1>
      <p style={{ opacity: 0 }}>Invisible text over the title</p>
      <div style={{ position: "absolute", left, top: 400 }}>Slides in from the left</div>
    </AbsoluteFill>
  );
};

registerRoot(() => (
  <>
    <Composition id="Bad" component={Bad} durationInFrames={30} fps={30} width={1280} height={720} />
    <Composition id="Good" component={Good} durationInFrames={30} fps={30} width={1280} height={720} />
  </>
));
