// The web bench's scene: a typical explainer slide (title spring, bullet list, a bar chart,
// a moving dot): 90 frames of 1280x720 at 30 fps, like the reference measurement.
import React from "react";
import { AbsoluteFill, Composition, Sequence, interpolate, registerRoot, spring, useCurrentFrame, useVideoConfig } from "remotion";

const BARS = [0.9, 0.55, 0.75, 0.35, 0.6];

const Slide: React.FC = () => {
  const frame = useCurrentFrame();
  const { fps, width } = useVideoConfig();
  const title = spring({ frame, fps, config: { damping: 200 } });
  return (
    <AbsoluteFill style={{ background: "linear-gradient(135deg, #0b132b, #1c2541)", color: "white", fontFamily: "DejaVu Sans", padding: 60 }}>
      <h1 style={{ fontSize: 64, margin: 0, transform: `translateY(${(1 - title) * -40}px)`, opacity: title }}>Why caches matter</h1>
      <ul style={{ fontSize: 34, lineHeight: 1.5 }}>
        {["Memory is slow", "Locality is everything", "Measure, then guess"].map((t, i) => (
          <Sequence key={t} from={10 + i * 12} layout="none">
            <li style={{ opacity: interpolate(frame - 10 - i * 12, [0, 10], [0, 1], { extrapolateRight: "clamp" }) }}>{t}</li>
          </Sequence>
        ))}
      </ul>
      <div style={{ position: "absolute", right: 80, bottom: 80, display: "flex", alignItems: "flex-end", gap: 18, height: 300 }}>
        {BARS.map((v, i) => (
          <div key={i} style={{ width: 50, background: "#5bc0be", borderRadius: 6, height: 300 * v * spring({ frame: frame - 20 - i * 4, fps }) }} />
        ))}
      </div>
      <div style={{ position: "absolute", left: interpolate(frame, [0, 89], [60, width - 100]), bottom: 40, width: 40, height: 40, borderRadius: 20, background: "#f4d35e" }} />
    </AbsoluteFill>
  );
};

registerRoot(() => <Composition id="Slide" component={Slide} durationInFrames={90} fps={30} width={1280} height={720} />);
