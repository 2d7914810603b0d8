// TransitionSeries with fade, slide and wipe, a springTiming, and a second composition.
import React from "react";
import { AbsoluteFill, Composition, registerRoot, useCurrentFrame } from "remotion";
import { TransitionSeries, linearTiming, springTiming } from "@remotion/transitions";
import { fade } from "@remotion/transitions/fade";
import { slide } from "@remotion/transitions/slide";
import { wipe } from "@remotion/transitions/wipe";

const Card: React.FC<{ color: string; label: string }> = ({ color, label }) => {
  const frame = useCurrentFrame();
  return (
    <AbsoluteFill style={{ background: color, alignItems: "center", justifyContent: "center" }}>
      <div style={{ fontFamily: "DejaVu Serif", fontSize: 90, color: "white" }}>
        {label} {frame}
      </div>
    </AbsoluteFill>
  );
};

export const Slides: React.FC = () => (
  <TransitionSeries>
    <TransitionSeries.Sequence durationInFrames={20}>
      <Card color="#264653" label="One" />
    </TransitionSeries.Sequence>
    <TransitionSeries.Transition presentation={fade()} timing={linearTiming({ durationInFrames: 8 })} />
    <TransitionSeries.Sequence durationInFrames={20}>
      <Card color="#2a9d8f" label="Two" />
    </TransitionSeries.Sequence>
    <TransitionSeries.Transition presentation={slide({ direction: "from-right" })} timing={springTiming({ config: { damping: 200 }, durationInFrames: 10 })} />
    <TransitionSeries.Sequence durationInFrames={20}>
      <Card color="#e76f51" label="Three" />
    </TransitionSeries.Sequence>
    <TransitionSeries.Transition presentation={wipe({ direction: "from-left" })} timing={linearTiming({ durationInFrames: 8 })} />
    <TransitionSeries.Sequence durationInFrames={20}>
      <Card color="#8338ec" label="Four" />
    </TransitionSeries.Sequence>
  </TransitionSeries>
);

registerRoot(() => (
  <>
    <Composition id="Slides" component={Slides} durationInFrames={54} fps={30} width={1920} height={1080} />
    <Composition id="Square" component={Slides} durationInFrames={30} fps={30} width={600} height={600} />
  </>
));
