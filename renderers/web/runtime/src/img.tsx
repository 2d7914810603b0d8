// Img and staticFile: images shipped with the lesson, holding a render handle until loaded.
import React, { useLayoutEffect, useRef, useState } from "react";
import { cancelRender, continueRender, delayRender } from "./handles";

export const STATIC_PREFIX = "/static/";
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/ ]{0,199}$/;

export function staticFile(name: string): string {
  if (typeof name !== "string") throw new TypeError(`staticFile() needs a file name, got ${typeof name}`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(name)) {
    throw new Error(`staticFile("${name}"): pass the name of a file shipped with the lesson, not a URL`);
  }
  const clean = name.replace(/^\/+/, "");
  if (!SAFE_NAME.test(clean) || clean.split("/").some((part) => part === ".." || part === ".")) {
    throw new Error(`staticFile("${name}"): not a valid asset name`);
  }
  return STATIC_PREFIX + clean.split("/").map(encodeURIComponent).join("/");
}

type ImgProps = React.ImgHTMLAttributes<HTMLImageElement> & { maxRetries?: number; pauseWhenLoading?: boolean };

export const Img = React.forwardRef<HTMLImageElement, ImgProps>(function Img(props, ref) {
  const { onLoad, onError, maxRetries: _r, pauseWhenLoading: _p, src, ...rest } = props;
  const [handle] = useState(() => delayRender(`<Img src="${String(src).slice(0, 120)}">`));
  const own = useRef<HTMLImageElement | null>(null);
  useLayoutEffect(() => {
    const img = own.current;
    if (img && img.complete && img.naturalWidth > 0) continueRender(handle);
    return () => continueRender(handle);
  }, [handle, src]);
  const setRef = (el: HTMLImageElement | null) => {
    own.current = el;
    if (typeof ref === "function") ref(el);
    else if (ref) ref.current = el;
  };
  return (
    <img
      {...rest}
      ref={setRef}
      src={src}
      onLoad={(e) => {
        continueRender(handle);
        onLoad?.(e);
      }}
      onError={(e) => {
        continueRender(handle);
        if (onError) onError(e);
        else cancelRender(new Error(`<Img> could not load ${String(src)} (pass onError to handle this)`));
      }}
    />
  );
});
