// The studio's behaviour: follow a lesson's events live, seek the player by chapter, add code
// boxes. Everything else is plain forms and links; htmx swaps the parts this asks it to.
"use strict";

// Every event kind the API sends (README, "Events"); EventSource only delivers named events
// to listeners registered for that name.
const KINDS = [
  "job_started", "lesson_status", "lesson_planned", "lesson_started", "scene_written",
  "scene_attempt_failed", "scene_probed", "scene_planned", "chunks_planned", "chunk_done",
  "scene_failed", "scene_ready", "lesson_ready", "lesson_cancelled", "sandbox_violation",
];
const ENDS = ["job_done", "job_failed", "job_cancelled"];
const REFRESH_MS = 250;

function follow(live) {
  // EventSource reconnects by itself and sends Last-Event-ID: the server resumes after it,
  // so nothing is repeated; `after` in the URL covers what the page already showed.
  const source = new EventSource(live.dataset.events);
  let timer = null;
  const refresh = () => {
    if (timer !== null) return; // one refresh per burst, always after the burst's last event
    timer = setTimeout(() => {
      timer = null;
      htmx.trigger(document.body, "studio:changed");
    }, REFRESH_MS);
  };
  for (const kind of KINDS) source.addEventListener(kind, refresh);
  for (const kind of ENDS) {
    source.addEventListener(kind, () => {
      source.close();
      live.dataset.running = "false";
      refresh();
      htmx.trigger(document.body, "studio:done");
    });
  }
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) live.dataset.running = "false";
  });
  live.studioSource = source;
}

function seek(button) {
  const video = document.getElementById("video");
  if (!video) return;
  video.currentTime = Number(button.dataset.seek);
  video.play().catch(() => {}); // autoplay policy may refuse; the user presses play then
}

function addSlot(button) {
  const slots = document.getElementById(button.dataset.addSlot);
  const count = slots.querySelectorAll(".slot").length;
  if (count >= 12) return; // the API's limit
  const slot = slots.querySelector(".slot").cloneNode(true);
  const id = `code-${count + 1}`;
  const label = slot.querySelector("label");
  const area = slot.querySelector("textarea");
  label.htmlFor = id;
  label.textContent = `Scene ${count + 1}`;
  area.id = id;
  area.value = "";
  area.removeAttribute("aria-invalid");
  area.removeAttribute("aria-describedby");
  slot.querySelector(".field-error")?.remove();
  slots.appendChild(slot);
  area.focus();
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const chapter = target?.closest("[data-seek]");
  if (chapter) seek(chapter);
  const add = target?.closest("[data-add-slot]");
  if (add) addSlot(add);
});

document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (live && live.dataset.running === "true") follow(live);
});
