// A two-scene web lesson for the farm's tests: each composition is a scene, in registration
// order. Two seconds each (two one-second segments: two chunks at most).
import React from "react";
import {
  AbsoluteFill,
  Composition,
  Sequence,
  interpolate,
  registerRoot,
  spring,
  useCurrentFrame,
  useVideoConfig,
} from "remotion";

export const Title: React.FC = () => {
  const frame = useCurrentFrame();
  const { fps } = useVideoConfig();
  const scale = spring({ frame, fps, config: { damping: 12 } });
  return (
    <AbsoluteFill style={{ background: "#14213d", color: "white", alignItems: "center", justifyContent: "center" }}>
      <h1 style={{ fontFamily: "DejaVu Sans", fontSize: 80, transform: `scale(${scale})` }}>Web scenes</h1>
      <Sequence from={20}>
        <p style={{ position: "absolute", bottom: 60, fontFamily: "DejaVu Sans", fontSize: 36 }}>on the farm</p>
      </Sequence>
    </AbsoluteFill>
  );
};

export const Chart: React.FC = () => {
  const frame = useCurrentFrame();
  const bars = [0.3, 0.8, 0.55, 0.95];
  return (
    <AbsoluteFill style={{ background: "white", flexDirection: "row", alignItems: "flex-end", padding: 80, gap: 40 }}>
      {bars.map((v, i) => {
        const h = interpolate(frame, [i * 8, i * 8 + 20], [0, v * 500], {
          extrapolateLeft: "clamp",
          extrapolateRight: "clamp",
        });
        return <div key={i} style={{ width: 160, height: h, background: "#fca311" }} />;
      })}
    </AbsoluteFill>
  );
};

const Root: React.FC = () => (
  <>
    <Composition id="Title" component={Title} durationInFrames={60} fps={30} width={1280} height={720} />
    <Composition id="Chart" component={Chart} durationInFrames={60} fps={30} width={1280} height={720} />
  </>
);

registerRoot(Root);
