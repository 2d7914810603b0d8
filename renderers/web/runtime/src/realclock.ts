// The real clock, captured before the page freezes Date (render-handle timeouts are about
// wall time). clock.ts imports this first, so it evaluates before freezeTime() runs.
const nativeNow = Date.now.bind(Date);

export function realNow(): number {
  return nativeNow();
}
