// The timeline: the composition's frame, Sequence offsets, Series, AbsoluteFill.
import React, { createContext, useContext, useMemo } from "react";

export interface VideoConfig {
  id: string;
  width: number;
  height: number;
  fps: number;
  durationInFrames: number;
  defaultProps: Record<string, unknown>;
  props: Record<string, unknown>;
}

interface SequenceScope {
  cumulatedFrom: number; // the sum of every enclosing Sequence's `from`
  durationInFrames: number; // what useVideoConfig() reports inside
}

export const FrameContext = createContext<number | null>(null);
export const ConfigContext = createContext<VideoConfig | null>(null);
const SequenceContext = createContext<SequenceScope | null>(null);

function outside(hook: string): Error {
  return new Error(`${hook}() can only be called inside a composition's component`);
}

function compositionFrame(): number {
  const frame = useContext(FrameContext);
  const config = useContext(ConfigContext);
  if (frame === null || config === null) throw outside("useCurrentFrame");
  return Math.min(Math.max(frame, 0), Math.max(0, config.durationInFrames - 1));
}

export function useCurrentFrame(): number {
  const frame = compositionFrame();
  const scope = useContext(SequenceContext);
  return frame - (scope?.cumulatedFrom ?? 0);
}

export function useVideoConfig(): VideoConfig {
  const config = useContext(ConfigContext);
  const scope = useContext(SequenceContext);
  if (config === null) throw outside("useVideoConfig");
  return useMemo(
    () => (scope ? { ...config, durationInFrames: scope.durationInFrames } : config),
    [config, scope],
  );
}

const FILL: React.CSSProperties = {
  position: "absolute",
  top: 0,
  left: 0,
  right: 0,
  bottom: 0,
  width: "100%",
  height: "100%",
  display: "flex",
  flexDirection: "column",
};

export const AbsoluteFill = React.forwardRef<HTMLDivElement, React.HTMLAttributes<HTMLDivElement>>(
  function AbsoluteFill(props, ref) {
    const { style, ...rest } = props;
    return <div ref={ref} {...rest} style={{ ...FILL, ...style }} />;
  },
);

export interface SequenceProps {
  from?: number;
  durationInFrames?: number;
  layout?: "absolute-fill" | "none";
  name?: string;
  style?: React.CSSProperties;
  className?: string;
  children?: React.ReactNode;
}

function checkSequence(from: number, duration: number, props: SequenceProps): void {
  if (typeof from !== "number" || !Number.isFinite(from)) {
    throw new TypeError(`<Sequence from> must be a finite number, got ${String(from)}`);
  }
  if (typeof duration !== "number" || Number.isNaN(duration) || duration <= 0) {
    throw new TypeError(`<Sequence durationInFrames> must be a positive number, got ${String(duration)}`);
  }
  if (props.layout === "none" && (props.style !== undefined || props.className !== undefined)) {
    throw new TypeError('<Sequence layout="none"> renders no element: it cannot take style or className');
  }
}

export function Sequence(props: SequenceProps): React.ReactElement | null {
  const { from = 0, durationInFrames = Infinity, layout = "absolute-fill", children } = props;
  checkSequence(from, durationInFrames, props);
  const parentFrame = useCurrentFrame(); // the frame as the enclosing scope sees it
  const parent = useContext(SequenceContext);
  const config = useContext(ConfigContext)!;
  const scope = useMemo<SequenceScope>(() => {
    const parentDuration = parent?.durationInFrames ?? config.durationInFrames;
    const visible = Math.min(durationInFrames, parentDuration - from, config.durationInFrames - from);
    return { cumulatedFrom: (parent?.cumulatedFrom ?? 0) + from, durationInFrames: Math.max(0, visible) };
  }, [parent, config, from, durationInFrames]);
  if (parentFrame < from || parentFrame > from + durationInFrames - 1) return null;
  const inner = <SequenceContext.Provider value={scope}>{children}</SequenceContext.Provider>;
  if (layout === "none") return inner;
  return (
    <AbsoluteFill style={props.style} className={props.className}>
      {inner}
    </AbsoluteFill>
  );
}

export interface SeriesSequenceProps extends SequenceProps {
  durationInFrames: number;
  offset?: number;
}

function SeriesSequence(_props: SeriesSequenceProps): React.ReactElement {
  throw new Error("<Series.Sequence> can only be used directly inside <Series>");
}

function seriesChildren(children: React.ReactNode): React.ReactElement<SeriesSequenceProps>[] {
  const list: React.ReactElement<SeriesSequenceProps>[] = [];
  React.Children.forEach(children, (child) => {
    if (child === null || child === undefined || typeof child === "boolean") return;
    if (!React.isValidElement(child) || child.type !== SeriesSequence) {
      throw new TypeError("<Series> accepts only <Series.Sequence> children");
    }
    list.push(child as React.ReactElement<SeriesSequenceProps>);
  });
  return list;
}

export function Series(props: { children?: React.ReactNode }): React.ReactElement {
  const items = seriesChildren(props.children);
  let start = 0;
  const out = items.map((child, i) => {
    const { durationInFrames, offset = 0, children, ...rest } = child.props;
    const last = i === items.length - 1;
    const okDuration = Number.isInteger(durationInFrames) && durationInFrames > 0;
    if (!okDuration && !(last && durationInFrames === Infinity)) {
      throw new TypeError(
        `<Series.Sequence durationInFrames> must be a positive integer (only the last may be Infinity), got ${String(durationInFrames)}`,
      );
    }
    if (typeof offset !== "number" || !Number.isFinite(offset)) {
      throw new TypeError(`<Series.Sequence offset> must be a finite number, got ${String(offset)}`);
    }
    const from = start + offset;
    start = from + durationInFrames;
    return (
      <Sequence key={child.key ?? i} {...rest} from={from} durationInFrames={durationInFrames}>
        {children}
      </Sequence>
    );
  });
  return <>{out}</>;
}
Series.Sequence = SeriesSequence;
