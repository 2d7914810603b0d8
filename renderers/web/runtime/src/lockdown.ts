// Network APIs the page's request interception cannot see (it answers fetch, XHR, images,
// fonts, workers from the lesson's own files): refused outright, with a clear error.

function refuser(api: string): unknown {
  return function refused() {
    const e = new Error(`${api} is not available in scenefarm web scenes: nothing is loaded from outside the lesson`);
    e.name = "NetworkRefused";
    throw e;
  };
}

export function lockNetwork(): void {
  const w = window as any;
  for (const api of ["WebSocket", "WebTransport", "EventSource", "RTCPeerConnection", "webkitRTCPeerConnection"]) {
    if (api in w) Object.defineProperty(w, api, { value: refuser(api), writable: false, configurable: false });
  }
  if (navigator.sendBeacon) {
    Object.defineProperty(navigator, "sendBeacon", { value: refuser("navigator.sendBeacon"), configurable: false });
  }
  w.open = refuser("window.open");
}
