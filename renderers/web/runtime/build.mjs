// Builds the runtime: dist/runtime.js for the page (React included, an IIFE that installs
// window.__sf) and dist/node.cjs for the unit tests. Only our own sources and React are
// bundled here; scene code is never bundled (the renderer transforms it file by file).
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const common = {
  bundle: true,
  absWorkingDir: here,
  jsx: "automatic",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: [join(here, "src/page.tsx")],
  outfile: join(here, "dist/runtime.js"),
  format: "iife",
  platform: "browser",
  minify: true,
  define: { "process.env.NODE_ENV": '"production"' },
});

await build({
  ...common,
  entryPoints: [join(here, "src/node.ts")],
  outfile: join(here, "dist/node.cjs"),
  format: "cjs",
  platform: "node",
  external: ["react", "react-dom", "react/jsx-runtime"],
});
