// A scene using what the frame-identity tests check: spring, interpolate, Sequence, Series,
// Img (a shipped asset) and text.
import React from "react";
import {
  AbsoluteFill,
  Composition,
  Easing,
  Img,
  Sequence,
  Series,
  interpolate,
  interpolateColors,
  registerRoot,
  spring,
  staticFile,
  useCurrentFrame,
  useVideoConfig,
} from "remotion";

const Title: React.FC<{ text: string }> = ({ text }) => {
  const frame = useCurrentFrame();
  const { fps } = useVideoConfig();
  const scale = spring({ frame, fps, config: { damping: 200 } });
  const opacity = interpolate(frame, [0, 10], [0, 1], { extrapolateRight: "clamp" });
  return (
    <h1 style={{ fontFamily: "DejaVu Sans", fontSize: 64, transform: `scale(${scale})`, opacity }}>
      {text}
    </h1>
  );
};

const Bar: React.FC = () => {
  const frame = useCurrentFrame();
  const width = interpolate(frame, [0, 20, 40], [0, 600, 300], {
    easing: [Easing.bezier(0.4, 0, 0.2, 1), Easing.inOut(Easing.quad)],
    extrapolateRight: "clamp",
  });
  const color = interpolateColors(frame, [0, 40], ["#1e90ff", "tomato"]);
  return <div style={{ width, height: 40, background: color, borderRadius: 8 }} />;
};

export const Motion: React.FC = () => {
  const frame = useCurrentFrame();
  return (
    <AbsoluteFill style={{ background: "#101820", color: "white", alignItems: "center", justifyContent: "center" }}>
      <Series>
        <Series.Sequence durationInFrames={20}>
          <AbsoluteFill style={{ alignItems: "center", justifyContent: "center" }}>
            <Title text="Hello, frames" />
          </AbsoluteFill>
        </Series.Sequence>
        <Series.Sequence durationInFrames={25} offset={-5}>
          <AbsoluteFill style={{ alignItems: "center", justifyContent: "center" }}>
            <Bar />
          </AbsoluteFill>
        </Series.Sequence>
      </Series>
      <Sequence from={10} durationInFrames={30}>
        <Img src={staticFile("dot.png")} style={{ position: "absolute", left: 40 + frame * 4, top: 40, width: 64 }} />
      </Sequence>
      <p style={{ position: "absolute", bottom: 20, fontFamily: "DejaVu Sans Mono", fontSize: 28 }}>
        frame {frame}
      </p>
    </AbsoluteFill>
  );
};

const Root: React.FC = () => (
  <>
    <Composition id="Motion" component={Motion} durationInFrames={45} fps={30} width={1280} height={720} />
  </>
);

registerRoot(Root);
