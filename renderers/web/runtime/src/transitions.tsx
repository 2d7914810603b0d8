// TransitionSeries: sequences that overlap by each transition's duration, the outgoing and
// incoming scenes drawn through a presentation (fade, slide, wipe) at the transition's progress.
import React from "react";
import { AbsoluteFill, Sequence, useCurrentFrame, useVideoConfig } from "./timing";
import { interpolate, type EasingFn } from "./interpolate";
import { measureSpring, spring, type SpringConfig } from "./spring";

export interface TransitionTiming {
  getDurationInFrames(fps: number): number;
  getProgress(frame: number, fps: number): number;
}

export type Direction = "from-left" | "from-right" | "from-top" | "from-bottom";

export interface Presentation {
  style(progress: number, entering: boolean): React.CSSProperties;
}

export function linearTiming(options: { durationInFrames: number; easing?: EasingFn }): TransitionTiming {
  const d = options.durationInFrames;
  return {
    getDurationInFrames: () => d,
    getProgress: (frame) =>
      interpolate(frame, [0, d], [0, 1], {
        easing: options.easing,
        extrapolateLeft: "clamp",
        extrapolateRight: "clamp",
      }),
  };
}

export function springTiming(
  options: { config?: Partial<SpringConfig>; durationInFrames?: number; durationRestThreshold?: number } = {},
): TransitionTiming {
  return {
    getDurationInFrames: (fps) =>
      options.durationInFrames ??
      measureSpring({ fps, config: options.config, threshold: options.durationRestThreshold }),
    getProgress: (frame, fps) =>
      spring({
        frame,
        fps,
        config: options.config,
        durationInFrames: options.durationInFrames,
        durationRestThreshold: options.durationRestThreshold,
      }),
  };
}

export function fade(options: { shouldFadeOutExitingScene?: boolean } = {}): Presentation {
  return {
    style: (p, entering) => ({
      opacity: entering ? p : options.shouldFadeOutExitingScene ? 1 - p : 1,
    }),
  };
}

const AXIS: Record<Direction, [number, number]> = {
  "from-left": [-1, 0],
  "from-right": [1, 0],
  "from-top": [0, -1],
  "from-bottom": [0, 1],
};

function checkDirection(direction: Direction): [number, number] {
  const axis = AXIS[direction];
  if (!axis) throw new TypeError(`direction must be one of ${Object.keys(AXIS).join(", ")}, got ${String(direction)}`);
  return axis;
}

export function slide(options: { direction?: Direction } = {}): Presentation {
  const [x, y] = checkDirection(options.direction ?? "from-left");
  return {
    style: (p, entering) => {
      const shift = entering ? 1 - p : -p; // the outgoing scene leaves towards the other side
      return { transform: `translate(${x * shift * 100}%, ${y * shift * 100}%)` };
    },
  };
}

export function wipe(options: { direction?: Direction } = {}): Presentation {
  const [x, y] = checkDirection(options.direction ?? "from-left");
  return {
    style: (p, entering) => {
      if (!entering) return {};
      const hidden = `${(1 - p) * 100}%`;
      const inset =
        x < 0 ? `0 ${hidden} 0 0` : x > 0 ? `0 0 0 ${hidden}` : y < 0 ? `0 0 ${hidden} 0` : `${hidden} 0 0 0`;
      return { clipPath: `inset(${inset})` };
    },
  };
}

interface TSequenceProps {
  durationInFrames: number;
  offset?: number;
  children?: React.ReactNode;
  style?: React.CSSProperties;
  name?: string;
}
interface TTransitionProps {
  presentation?: Presentation;
  timing: TransitionTiming;
}

function TSequence(_p: TSequenceProps): React.ReactElement {
  throw new Error("<TransitionSeries.Sequence> can only be used directly inside <TransitionSeries>");
}
function TTransition(_p: TTransitionProps): React.ReactElement {
  throw new Error("<TransitionSeries.Transition> can only be used directly inside <TransitionSeries>");
}

function Presented(props: {
  presentation: Presentation;
  timing: TransitionTiming;
  start: number;
  entering: boolean;
  children?: React.ReactNode;
}): React.ReactElement {
  const frame = useCurrentFrame(); // relative to the enclosing Sequence
  const { fps } = useVideoConfig();
  const progress = props.timing.getProgress(frame - props.start, fps);
  return <AbsoluteFill style={props.presentation.style(progress, props.entering)}>{props.children}</AbsoluteFill>;
}

interface Item {
  props: TSequenceProps;
  from: number;
  before?: { transition: TTransitionProps; duration: number };
  after?: { transition: TTransitionProps; duration: number };
}

function layout(children: React.ReactNode, fps: number): Item[] {
  const items: Item[] = [];
  let start = 0;
  let pending: TTransitionProps | null = null;
  React.Children.forEach(children, (child) => {
    if (child === null || child === undefined || typeof child === "boolean") return;
    if (!React.isValidElement(child)) throw new TypeError("<TransitionSeries> accepts only its own Sequence and Transition");
    if (child.type === TTransition) {
      if (pending || items.length === 0) throw new TypeError("a <TransitionSeries.Transition> must stand between two sequences");
      pending = child.props as TTransitionProps;
      return;
    }
    if (child.type !== TSequence) throw new TypeError("<TransitionSeries> accepts only its own Sequence and Transition");
    const props = child.props as TSequenceProps;
    if (!(Number.isInteger(props.durationInFrames) && props.durationInFrames > 0)) {
      throw new TypeError(`<TransitionSeries.Sequence durationInFrames> must be a positive integer, got ${String(props.durationInFrames)}`);
    }
    const item: Item = { props, from: start + (props.offset ?? 0) };
    if (pending) {
      const transition: TTransitionProps = pending;
      const duration = transition.timing.getDurationInFrames(fps);
      const prev = items[items.length - 1];
      if (duration > prev.props.durationInFrames || duration > props.durationInFrames) {
        throw new Error(`a transition of ${duration} frames is longer than a sequence next to it`);
      }
      item.from -= duration;
      item.before = { transition, duration };
      prev.after = { transition, duration };
      pending = null;
    }
    start = item.from + props.durationInFrames;
    items.push(item);
  });
  if (pending) throw new TypeError("a <TransitionSeries.Transition> must stand between two sequences");
  return items;
}

export function TransitionSeries(props: { children?: React.ReactNode }): React.ReactElement {
  const { fps } = useVideoConfig();
  const items = layout(props.children, fps);
  return (
    <>
      {items.map((item, i) => {
        let content: React.ReactNode = item.props.children;
        const d = item.props.durationInFrames;
        if (item.after) {
          const t = item.after.transition;
          content = (
            <Presented presentation={t.presentation ?? fade()} timing={t.timing} start={d - item.after.duration} entering={false}>
              {content}
            </Presented>
          );
        }
        if (item.before) {
          const t = item.before.transition;
          content = (
            <Presented presentation={t.presentation ?? fade()} timing={t.timing} start={0} entering>
              {content}
            </Presented>
          );
        }
        return (
          <Sequence key={i} from={item.from} durationInFrames={d} style={item.props.style} name={item.props.name}>
            {content}
          </Sequence>
        );
      })}
    </>
  );
}
TransitionSeries.Sequence = TSequence;
TransitionSeries.Transition = TTransition;
