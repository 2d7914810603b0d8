// Compositions: registerRoot(Root) where Root renders <Composition .../> elements. Listing
// renders Root once with a collector; each Composition registers itself and draws nothing.
import React, { createContext, useContext } from "react";

export interface CompositionInfo {
  id: string;
  component: React.ComponentType<any>;
  durationInFrames: number;
  fps: number;
  width: number;
  height: number;
  defaultProps: Record<string, unknown>;
}

export interface CompositionProps {
  id: string;
  component?: React.ComponentType<any>;
  lazyComponent?: () => unknown;
  durationInFrames: number;
  fps: number;
  width: number;
  height: number;
  defaultProps?: Record<string, unknown>;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;
export const Collector = createContext<((c: CompositionInfo) => void) | null>(null);

function positiveInteger(id: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`<Composition id="${id}"> ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function Composition(props: CompositionProps): null {
  const collect = useContext(Collector);
  if (collect === null) return null;
  if (typeof props.id !== "string" || !ID.test(props.id)) {
    throw new TypeError(`<Composition id> must be letters, digits, "-" or "_", got ${JSON.stringify(props.id)}`);
  }
  if (props.lazyComponent !== undefined) {
    throw new TypeError(`<Composition id="${props.id}">: lazyComponent is not supported, pass component`);
  }
  if (typeof props.component !== "function" && typeof props.component !== "object") {
    throw new TypeError(`<Composition id="${props.id}"> needs a component`);
  }
  collect({
    id: props.id,
    component: props.component as React.ComponentType<any>,
    durationInFrames: positiveInteger(props.id, "durationInFrames", props.durationInFrames),
    fps: positiveInteger(props.id, "fps", props.fps),
    width: positiveInteger(props.id, "width", props.width),
    height: positiveInteger(props.id, "height", props.height),
    defaultProps: props.defaultProps ?? {},
  });
  return null;
}

export const Still = (props: Omit<CompositionProps, "durationInFrames" | "fps">) =>
  Composition({ ...props, durationInFrames: 1, fps: 30 });

export function Folder(props: { name?: string; children?: React.ReactNode }): React.ReactElement {
  return <>{props.children}</>;
}

let root: React.ComponentType | null = null;
let inputProps: Record<string, unknown> = {};

export function registerRoot(component: React.ComponentType): void {
  if (root !== null) throw new Error("registerRoot() was called twice: register one root component");
  if (typeof component !== "function") throw new TypeError("registerRoot() needs a component");
  root = component;
}

export function registeredRoot(): React.ComponentType | null {
  return root;
}

export function resetRoot(): void {
  root = null;
}

export function getInputProps(): Record<string, unknown> {
  return inputProps;
}

export function setInputProps(props: Record<string, unknown>): void {
  inputProps = props;
}
