// What scene code may import, and a clear refusal naming what to use instead for the rest.
import * as React from "react";
import * as jsxRuntime from "react/jsx-runtime";
import * as api from "./index";
import { TransitionSeries, fade, linearTiming, slide, springTiming, wipe } from "./transitions";

const ALLOWED_HINT =
  "web scenes may import only 'react', 'remotion' and '@remotion/transitions' (with /fade, /slide, /wipe)";

const MODULE_ADVICE: [RegExp, string][] = [
  [/^@remotion\/three$|^three(\/|$)|^@react-three\//, "draw 3D with CSS 3D transforms or SVG, or make this a Manim scene"],
  [/^@remotion\/lottie$|^lottie/, "animate SVG or CSS properties with interpolate() and spring()"],
  [/^@remotion\/(media|media-utils|media-parser|captions|webcodecs)$/, "web scenes have no audio or video: show stills with <Img src={staticFile(...)} />"],
  [/^@remotion\/(google-fonts|fonts)(\/|$)/, "no remote fonts: use the fonts we ship (font-family: 'DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono')"],
  [/^@remotion\/(shapes|paths|noise|motion-blur|layout-utils|gif|rive|skia|tailwind|zod-types)$/, "draw with plain SVG elements and CSS"],
  [/^@remotion\/(player|cli|renderer|bundler|lambda|cloudrun)$|^remotion\/.+/, "the farm renders the scene: a scene file only defines compositions with registerRoot()"],
  [/^(node:|fs$|path$|child_process$|http$|https$|net$|os$|crypto$|worker_threads$)/, "scenes run in a browser page with no file system, processes or network"],
  [/^(https?:|\/\/|data:|file:)/, "nothing is loaded from the network or disk: ship assets with the lesson and use staticFile()"],
];

const NAME_ADVICE: Record<string, string> = {
  Video: "web scenes have no video: show stills with <Img src={staticFile(...)} />",
  OffthreadVideo: "web scenes have no video: show stills with <Img src={staticFile(...)} />",
  Html5Video: "web scenes have no video: show stills with <Img src={staticFile(...)} />",
  Audio: "web scenes have no audio (narration is added by the farm)",
  Html5Audio: "web scenes have no audio (narration is added by the farm)",
  IFrame: "nothing is loaded from the network: build the content with React elements",
  Loop: "use a Sequence per repetition, or compute the frame modulo the loop length",
  Freeze: "pass a fixed frame to your own component as a prop",
  prefetch: "assets are local: use staticFile()",
  continueRenderAsync: "use continueRender(handle)",
};

export class RefusedImport extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedImport";
  }
}

function refuseModule(spec: string): never {
  const advice = MODULE_ADVICE.find(([re]) => re.test(spec))?.[1] ?? ALLOWED_HINT;
  throw new RefusedImport(`import '${spec}' is not available in scenefarm web scenes: ${advice}`);
}

// Property names bundlers and React probe on module objects: absent, never an error.
const PROBES = new Set(["then", "default", "__esModule", "toJSON", "constructor", "$$typeof", "displayName"]);

// A module object whose unknown exports fail loudly when used, naming the alternative.
function strictModule(name: string, exports: Record<string, unknown>): Record<string, unknown> {
  const refusing = new Proxy(Object.create(null), {
    get(_target, key) {
      if (typeof key !== "string" || PROBES.has(key)) return undefined;
      const advice = NAME_ADVICE[key] ?? `it is not part of our subset (${Object.keys(exports).sort().join(", ")})`;
      throw new RefusedImport(`'${key}' from '${name}' is not available in scenefarm web scenes: ${advice}`);
    },
  });
  const module = Object.create(refusing);
  for (const [k, v] of Object.entries(exports)) {
    Object.defineProperty(module, k, { value: v, enumerable: true });
  }
  Object.defineProperty(module, "__esModule", { value: true });
  return Object.freeze(module);
}

function plain(exports: Record<string, unknown>): Record<string, unknown> {
  const module: Record<string, unknown> = { ...exports };
  Object.defineProperty(module, "__esModule", { value: true });
  return Object.freeze(module);
}

const remotion = strictModule("remotion", { ...api });
const transitions = strictModule("@remotion/transitions", { TransitionSeries, linearTiming, springTiming });

const TABLE: Record<string, Record<string, unknown>> = {
  react: Object.freeze({ ...React, default: React, __esModule: true }),
  "react/jsx-runtime": plain(jsxRuntime),
  "react/jsx-dev-runtime": plain({ ...jsxRuntime, jsxDEV: jsxRuntime.jsx }),
  remotion,
  "@remotion/transitions": transitions,
  "@remotion/transitions/fade": strictModule("@remotion/transitions/fade", { fade }),
  "@remotion/transitions/slide": strictModule("@remotion/transitions/slide", { slide }),
  "@remotion/transitions/wipe": strictModule("@remotion/transitions/wipe", { wipe }),
};

export function requireModule(spec: unknown): Record<string, unknown> {
  if (typeof spec !== "string") throw new RefusedImport(`import of a non-string module name: ${String(spec)}`);
  const module = TABLE[spec];
  if (module === undefined) refuseModule(spec);
  return module;
}

export const MODULE_NAMES = Object.keys(TABLE);
