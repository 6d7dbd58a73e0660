// recall-sim dashboard: live regions, buttons that call the control plane, the player's transcript,
// and the scenario-run viewer. Plain script, no dependencies: the region serves it as it is.
"use strict";

(function () {
  const notice = () => document.getElementById("notice");

  function say(text, failed) {
    const el = notice();
    if (!el) return;
    el.textContent = text;
    el.className = failed ? "notice failed" : "notice";
    el.hidden = false;
  }

  // -- live regions: every [data-live] element is swapped for the same element of the page fetched
  // again, when it changed. A region that already holds a playing <video>/<audio> is left alone.
  let refreshing = false;

  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const response = await fetch(location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const el of document.querySelectorAll("[data-live]")) {
        const name = el.getAttribute("data-live");
        const next = fresh.querySelector(`[data-live="${name}"]`);
        if (!next || next.innerHTML === el.innerHTML) continue;
        if (el.querySelector("video, audio")) continue;
        const focused = el.contains(document.activeElement);
        if (focused) continue; // never pull an input out from under the user's cursor
        el.innerHTML = next.innerHTML;
        for (const attr of next.getAttributeNames()) el.setAttribute(attr, next.getAttribute(attr));
      }
      document.dispatchEvent(new Event("dashboard:refreshed"));
    } catch (error) {
      // the region went away (restarted, stopped): try again at the next tick
    } finally {
      refreshing = false;
    }
  }

  function poll() {
    const every = Number(document.body.getAttribute("data-poll") || "0");
    if (every > 0 && document.querySelector("[data-live]")) {
      setInterval(() => {
        if (document.visibilityState === "visible") refresh();
      }, every);
    }
  }

  // -- buttons: data-action="METHOD /path", with a JSON body from data-body or from a field
  function bodyFor(button) {
    if (button.hasAttribute("data-body")) return button.getAttribute("data-body");
    const from = button.getAttribute("data-body-from");
    if (from === "filter-types") {
      const input = button.closest("td").querySelector("input.filter-types");
      const types = input.value.split(",").map((s) => s.trim()).filter(Boolean);
      return JSON.stringify({ filter_types: types.length ? types : null });
    }
    if (from === "recover-since") {
      return JSON.stringify({ since: document.getElementById("recover-since").value.trim() });
    }
    return null;
  }

  async function act(button) {
    const [method, path] = button.getAttribute("data-action").split(" ");
    const question = button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    const headers = { Accept: "application/json" };
    const body = bodyFor(button);
    if (body !== null) headers["Content-Type"] = "application/json";
    const key = button.getAttribute("data-key");
    if (key) headers.Authorization = `Token ${key}`;
    button.disabled = true;
    try {
      const response = await fetch(path, { method, headers, body });
      const text = await response.text();
      if (!response.ok) {
        say(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`, true);
      } else {
        say(`${method} ${path}: ${response.status}`, false);
      }
      await refresh();
    } finally {
      button.disabled = false;
    }
  }

  async function addFault(form) {
    const data = new FormData(form);
    const rule = { route: String(data.get("route")).trim() };
    const methods = String(data.get("methods") || "").split(",").map((m) => m.trim().toUpperCase()).filter(Boolean);
    if (methods.length) rule.methods = methods;
    if (data.get("status")) rule.status = Number(data.get("status"));
    if (Number(data.get("latency"))) rule.latency = Number(data.get("latency"));
    if (data.get("drop")) rule.drop = true;
    if (data.get("count")) rule.count = Number(data.get("count"));
    if (data.get("probability") !== "" && Number(data.get("probability")) !== 1) {
      rule.probability = Number(data.get("probability"));
    }
    const body = String(data.get("body") || "").trim();
    if (body) {
      try {
        rule.body = JSON.parse(body);
      } catch (error) {
        say(`The body is not JSON: ${error.message}`, true);
        return;
      }
    }
    const response = await fetch("/_simulator/faults", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(rule),
    });
    const text = await response.text();
    if (response.ok) {
      say(`Fault ${JSON.parse(text).id} added`, false);
      form.reset();
    } else {
      say(`The region refused the rule (${response.status}): ${text.slice(0, 300)}`, true);
    }
    await refresh();
  }

  // -- the recording page: click a transcript line (or a mark) to seek; the playing line is marked
  function media() {
    return document.getElementById("media");
  }

  function followPlayer() {
    const player = media();
    if (!player || player.dataset.followed) return;
    player.dataset.followed = "1";
    const shown = document.getElementById("media-duration");
    const show = () => {
      if (shown && Number.isFinite(player.duration)) shown.textContent = `${player.duration.toFixed(2)} s`;
    };
    player.addEventListener("loadedmetadata", show);
    // A fragmented MP4 states no duration up front: the browser extends it as it reads fragments.
    player.addEventListener("durationchange", show);
    show();
    player.addEventListener("timeupdate", () => {
      const t = player.currentTime;
      for (const line of document.querySelectorAll("#transcript .line")) {
        const on = t >= Number(line.dataset.seek) && t < Number(line.dataset.end);
        line.classList.toggle("playing", on);
      }
      const axis = document.querySelector(".axis");
      const head = document.getElementById("playhead");
      if (axis && head) {
        const span = Number(axis.getAttribute("data-span")) || 1;
        head.style.left = `calc(var(--lane-name) + (100% - var(--lane-name)) * ${Math.min(t / span, 1)})`;
      }
    });
  }

  // -- scenario runs: a trace file, read here, as lanes on one time axis
  const LANES = [
    ["sdk", (r) => r.kind === "sdk_event" || r.kind === "app_error"],
    ["http", (r) => r.kind === "http" || r.kind === "websocket" || r.kind === "ws"],
    ["webhooks", (r) => r.kind === "webhook" || r.kind === "realtime_webhook" || r.kind === "backend_recover"],
    ["faults", (r) => r.kind === "fault"],
    ["region", (r) => r.kind === "region_event"],
  ];

  function laneOf(record) {
    for (const [name, test] of LANES) if (test(record)) return name;
    return "run";
  }

  function describe(r) {
    const { t, kind, at, ...rest } = r;
    if (kind === "sdk_event") return `${r.event}`;
    if (kind === "http") return `${r.method} ${r.path} → ${r.status ?? "no answer"}`;
    if (kind === "webhook") return `${r.event_type} → ${r.status}${r.duplicate ? " (duplicate)" : ""}`;
    if (kind === "region_event") return `${r.type}: ${r.status && r.status.code}`;
    if (kind === "fault") return `fault ${r.fault}`;
    return `${kind} ${JSON.stringify(rest).slice(0, 160)}`;
  }

  // Region events are collected at the end of a run, each with the moment it occurred: placed on the
  // axis by that moment, anchored where the run's recording started (its first region event).
  function placeRegionEvents(records) {
    const events = records.filter((r) => r.kind === "region_event" && r.occurred_at);
    if (!events.length) return;
    const first = Math.min(...events.map((r) => Date.parse(r.occurred_at)));
    const start = records.find((r) => r.kind === "http" && /\/recording\/start$/.test(r.path || ""));
    const anchor = start ? Number(start.t) : 0;
    for (const r of events) r.at = anchor + (Date.parse(r.occurred_at) - first) / 1000;
  }

  let shownRun = null;

  function drawAxis(records, end) {
    const axis = document.getElementById("run-axis");
    axis.replaceChildren();
    for (const [name] of [...LANES, ["run"]]) {
      const lane = document.createElement("div");
      lane.className = "lane";
      lane.innerHTML = `<span class="lane-name">${name}</span><div class="lane-track"></div>`;
      const track = lane.querySelector(".lane-track");
      for (const r of records.filter((x) => laneOf(x) === name)) {
        const mark = document.createElement("span");
        mark.className = `mark lane-${name}`;
        mark.style.left = `${Math.min(100, (100 * r.at) / end)}%`;
        mark.title = `${r.at.toFixed(3)} s ${describe(r)}`;
        track.append(mark);
      }
      axis.append(lane);
    }
  }

  function showRun(text) {
    const records = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    for (const r of records) r.at = Number(r.t) || 0;
    placeRegionEvents(records);
    const scenario = records.find((r) => r.kind === "scenario");
    const verdict = records.find((r) => r.kind === "verdict");
    const last = Math.max(1, ...records.map((r) => r.at));
    // A run ends with the SDK's shutdown after everything settled, often long after the meeting: the
    // axis stops at the last thing before it (the field below moves its end).
    const busy = records.filter((r) => r.kind !== "verdict" && !(r.kind === "sdk_event" && r.event === "shutdown"));
    const end = Math.max(1, ...busy.map((r) => r.at));
    document.getElementById("run").hidden = false;
    document.getElementById("run-title").textContent = scenario
      ? `${scenario.name} · seed ${scenario.seed} · ${records.length} records · ${last.toFixed(1)} s`
      : `${records.length} records · ${last.toFixed(1)} s`;
    const verdictEl = document.getElementById("run-verdict");
    verdictEl.replaceChildren();
    if (!verdict) {
      verdictEl.textContent = "This trace carries no verdict (it was written before traces recorded one).";
    } else if (verdict.holds) {
      verdictEl.innerHTML = '<span class="status s-success">every invariant holds</span>';
    } else {
      const list = document.createElement("ul");
      for (const v of verdict.violations) {
        const li = document.createElement("li");
        li.textContent = v;
        list.append(li);
      }
      const head = document.createElement("span");
      head.className = "status s-failed";
      head.textContent = `${verdict.violations.length} invariant(s) broken`;
      verdictEl.append(head, list);
    }
    shownRun = records;
    const endInput = document.getElementById("run-axis-end");
    endInput.value = end.toFixed(1);
    drawAxis(records, end);
    const body = document.getElementById("run-records");
    body.replaceChildren();
    for (const r of [...records].sort((a, b) => a.at - b.at)) {
      const row = document.createElement("tr");
      row.className = `lane-${laneOf(r)}`;
      for (const value of [r.at.toFixed(3), laneOf(r), describe(r)]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      body.append(row);
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const button = target.closest("button[data-action]");
    if (button) {
      event.preventDefault();
      act(button);
      return;
    }
    const copy = target.closest("button[data-copy]");
    if (copy) {
      const value = copy.getAttribute("data-copy");
      const done = () => say("Copied to the clipboard", false);
      if (navigator.clipboard) navigator.clipboard.writeText(value).then(done, () => say(value, false));
      else say(value, false);
      return;
    }
    const seek = target.closest("[data-seek]");
    const player = media();
    if (seek && player) {
      player.currentTime = Number(seek.getAttribute("data-seek"));
      player.play().catch(() => {});
    }
  });

  document.addEventListener("submit", (event) => {
    if (event.target instanceof HTMLFormElement && event.target.id === "fault-form") {
      event.preventDefault();
      addFault(event.target);
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    poll();
    followPlayer();
    document.addEventListener("dashboard:refreshed", followPlayer);
    const endInput = document.getElementById("run-axis-end");
    if (endInput) {
      endInput.addEventListener("change", () => {
        if (shownRun) drawAxis(shownRun, Math.max(0.001, Number(endInput.value) || 1));
      });
    }
    const file = document.getElementById("trace-file");
    if (file) {
      file.addEventListener("change", async () => {
        if (!file.files || !file.files[0]) return;
        try {
          showRun(await file.files[0].text());
        } catch (error) {
          say(`Not a trace file: ${error.message}`, true);
        }
      });
    }
  });
})();
