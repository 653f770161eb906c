"use strict";
// reelkit viewer. Reads the JSON block #reelkit-data (the `harness show --json` data of each section) and
// draws it. Interactions and turns start as light placeholders with their heading and are filled in
// when they come near the screen, so a cassette of thousands of interactions opens at once.
// Everything is built with textContent: recorded data is never parsed as HTML.
(() => {
  const started = performance.now();
  const DATA = JSON.parse(document.getElementById("reelkit-data").textContent);
  const main = document.getElementById("main");
  const toc = document.getElementById("toc");
  const pending = new Map(); // placeholder element -> function that fills it
  const order = []; // what j / k walk through: interactions and changed diff units, in page order
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) realise(entry.target);
  }, { rootMargin: "600px 0px" });

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const kid of kids) if (kid !== null && kid !== undefined && kid !== false) node.append(kid);
    return node;
  }
  const ms = (v) => (v === null || v === undefined ? "–" : `${Number(v).toFixed(1)} ms`);
  const json = (v) => JSON.stringify(v, null, 2);
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function lazy(node, fill) {
    node.classList.add("pending");
    pending.set(node, fill);
    observer.observe(node);
  }
  function realise(node) {
    const fill = pending.get(node);
    if (!fill) return;
    pending.delete(node);
    observer.unobserve(node);
    node.classList.remove("pending");
    fill(node);
  }
  function renderAll() {
    for (const node of [...pending.keys()]) realise(node);
  }
  // <details> whose body is built the first time it is opened (event tables, raw JSON).
  function lazyDetails(label, build) {
    const details = el("details", {}, el("summary", { text: label }));
    details.addEventListener("toggle", () => {
      if (details.open && details.childElementCount === 1) details.append(build());
    });
    return details;
  }
  function dl(rows) {
    const list = el("dl", { class: "meta" });
    for (const [term, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      list.append(el("dt", { text: term }), el("dd", { text: String(value) }));
    }
    return list;
  }

  // ---- cassettes ----
  function cassette(section, ci) {
    const id = `c${ci}`;
    const meta = section.metadata || {};
    const node = el("section", { class: "cassette", id, "aria-labelledby": `${id}-h` },
      el("h2", { id: `${id}-h`, text: section.name }));
    const facts = dl([
      ["File", section.path],
      ["Recorded at", meta.recorded_at],
      ["Upstream", meta.upstream],
      ["Model", meta.model],
      ["Kind", meta.synthetic ? "synthetic (scripted upstream)" : "real provider"],
      ["Recorder", meta.recorder],
      ["Scenario", meta.scenario && `${meta.scenario}${meta.description ? ` — ${meta.description}` : ""}`],
      ["Interactions", section.interactions.length],
    ]);
    node.append(el("div", { class: "summary" }, facts, integrity(section.integrity, id)));
    const left = el("div", { class: "provider" },
      el("h3", { text: `Provider interactions (${section.interactions.length})` }));
    const right = el("div", { class: "transcript" }, el("h3", { text: "Golden transcript" }));
    const tocItems = [];
    for (const item of section.interactions) {
      const article = interactionShell(item, id);
      left.append(article);
      order.push(article);
      tocItems.push(el("li", {}, el("a", { href: `#${article.id}`, text: `#${item.index}` })));
    }
    transcript(section.transcript, id, right);
    node.append(el("div", { class: "columns" }, left, right));
    const list = el("ul", {}, el("li", { class: "cas" }, el("a", { href: `#${id}`, text: section.name })));
    list.append(...tocItems);
    toc.append(list);
    return node;
  }

  function integrity(result, id) {
    const box = el("div", { class: "integrity", "aria-labelledby": `${id}-int` }, el("h3", { id: `${id}-int`, text: "Integrity" }));
    if (!result) {
      box.append(el("p", { class: "empty", text: "not checked" }));
      return box;
    }
    for (const [name, problems] of [["verify", result.verify], ["lint", result.lint]]) {
      const clean = problems.length === 0;
      const onlyWarnings = !clean && problems.every((p) => p.includes("warning:"));
      const badge = el("span", { class: `badge ${clean ? "ok" : onlyWarnings ? "warn" : "bad"}`,
        text: clean ? "clean" : plural(problems.length, "problem") });
      const para = el("p", { class: "check" }, el("code", { text: `harness ${name}` }), badge);
      box.append(para);
      if (!clean) box.append(el("ul", {}, ...problems.map((p) => el("li", { text: p }))));
    }
    return box;
  }

  function interactionShell(item, cid) {
    const id = `${cid}-i${item.index}`;
    const bad = item.status >= 400 || item.ending === "abort" || item.terminal === "response.failed";
    const heading = el("h4", { id: `${id}-h` },
      `#${item.index} ${item.method} ${item.path} → ${item.status} ${item.reason || ""}`,
      item.status >= 400 ? el("span", { class: "badge bad", text: "HTTP error" }) : null,
      item.ending === "abort" ? el("span", { class: "badge bad", text: "stream cut" }) : null,
      item.terminal && item.terminal !== "response.completed"
        ? el("span", { class: "badge bad", text: item.terminal.replace("response.", "") }) : null,
      !bad && item.terminal === "response.completed" ? el("span", { class: "badge ok", text: "completed" }) : null);
    const article = el("article", { class: "interaction", id, tabindex: "-1", "aria-labelledby": `${id}-h`,
      "data-index": item.index },
      el("header", {}, heading,
        item.turn !== undefined ? el("a", { class: "links turn-link", href: `#${cid}-t${item.turn}`, text: `turn ${item.turn}` }) : null));
    const fill = (node) => {
      const detail = document.getElementById(`detail-${id}`);
      if (!detail && document.readyState === "loading") { // its block is below the script, not parsed yet
        node.classList.add("pending");
        document.addEventListener("DOMContentLoaded", () => { node.classList.remove("pending"); fill(node); }, { once: true });
        return;
      }
      interactionBody(node, { ...item, ...(detail ? JSON.parse(detail.textContent) : {}) });
    };
    lazy(article, fill);
    return article;
  }

  function interactionBody(node, item) {
    const req = item.request || {};
    node.append(dl([
      ["Model", req.model],
      ["Tools offered", req.tools && (req.tools.length ? req.tools.join(", ") : "none")],
      ["Input", req.input_items !== undefined ? `${plural(req.input_items, "item")}, the last a ${req.last_item}` : null],
      ["Last user words", req.last_user],
    ]));
    node.append(el("p", { class: "stats", text: [
      plural(item.chunks.length, "chunk"), plural(item.events.length, "event"), `${item.body_bytes} bytes`,
      `first byte ${ms(item.ttfb_ms)}`, `last ${ms(item.total_ms)}`, `longest gap ${ms(item.longest_gap_ms)}`,
    ].join(" · ") }));
    if (item.chunks.length) node.append(...timeline(item));
    if (item.text) node.append(box("text", `Text (accumulated from the output_text deltas)`, el("pre", { class: "acc-text", text: item.text })));
    if (item.reasoning) node.append(box("reasoning", "Reasoning (accumulated)", el("pre", { class: "acc-reasoning", text: item.reasoning })));
    for (const call of item.tool_calls) {
      node.append(el("div", { class: "tool-call", "data-name": call.name || "", "data-call-id": call.call_id || "" },
        el("h5", { text: `Tool call: ${call.name || call.type}` }),
        el("p", { class: "stats", text: `${call.type} · call id ${call.call_id || "–"}${call.done ? "" : " · not finished"}` }),
        el("pre", { class: "args", "aria-label": "arguments", text: prettyArgs(call.arguments) })));
    }
    if (item.usage) node.append(box("usage", "Usage", usageLine(item.usage)));
    if (item.error) node.append(box("error", "Error", el("pre", { text: json(item.error) })));
    if (item.body) node.append(box("error", "Response body", el("pre", { text: item.body })));
    if (item.events.length) node.append(lazyDetails(`${plural(item.events.length, "event")}, decoded`, () => eventTable(item.events)));
    node.append(lazyDetails("Headers (scrubbed)", () => el("div", {},
      el("h5", { text: "Request" }), headerTable(item.request_headers),
      el("h5", { text: "Response" }), headerTable(item.response_headers))));
  }

  function box(kind, title, body) {
    return el("div", { class: `box ${kind}` }, el("h5", { text: title }), body);
  }
  function prettyArgs(text) {
    try { return json(JSON.parse(text)); } catch { return text; }
  }

  function timeline(item) {
    const offsets = item.chunks.map((c) => c.offset_ms);
    const span = Math.max(...offsets, 0.001);
    const gaps = offsets.slice(1).map((v, i) => v - offsets[i]);
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
    const stall = Math.max(median * 5, 50); // a gap far above the usual pace, and long enough to notice
    const track = el("div", { class: "track", role: "img",
      "aria-label": `${plural(item.chunks.length, "chunk")} arriving over ${ms(span)}${item.ending === "abort" ? ", then the stream is cut" : ""}` });
    item.chunks.forEach((chunk, i) => {
      const isStall = i > 0 && gaps[i - 1] >= stall;
      const events = item.events.slice(chunk.events[0], chunk.events[1]).map((e) => e.type).join(", ");
      track.append(el("span", { class: isStall ? "mark gap" : "mark", "data-offset-ms": chunk.offset_ms,
        style: `left: ${(100 * chunk.offset_ms / span).toFixed(3)}%`,
        title: `chunk ${i} at ${ms(chunk.offset_ms)}, ${chunk.bytes} bytes${isStall ? `, after a ${ms(gaps[i - 1])} stall` : ""}${events ? `: ${events}` : ": (no complete event)"}` }));
    });
    if (item.ending === "abort") track.append(el("span", { class: "cut", style: "left: 100%", title: "the connection was dropped here", text: "✂" }));
    const axis = el("div", { class: "axis", "aria-hidden": "true" }, el("span", { text: "0 ms (headers)" }), el("span", { text: ms(span) }));
    return [track, axis];
  }

  // Token counts on one line: "input_tokens 1372 (cached_tokens 0) · output_tokens 9 (reasoning_tokens 0) · ..."
  function usageLine(usage) {
    const parts = [];
    for (const [key, value] of Object.entries(usage)) {
      if (value && typeof value === "object") {
        const inner = Object.entries(value).map(([k, v]) => `${k} ${v}`).join(", ");
        if (parts.length) parts[parts.length - 1] += ` (${inner})`;
      } else parts.push(`${key} ${value}`);
    }
    return el("p", { class: "usage mono", text: parts.join(" · ") });
  }

  function eventTable(events) {
    const body = el("tbody");
    for (const e of events) {
      body.append(el("tr", {}, el("td", { class: "num", text: ms(e.offset_ms) }), el("td", { class: "num", text: e.chunk ?? "–" }),
        el("td", {}, el("code", { text: e.type })), el("td", {}, el("pre", { text: eventDetail(e) }))));
    }
    const head = el("thead", {}, el("tr", {}, ...["Arrived", "Chunk", "Type", "Content"].map((t) => el("th", { scope: "col", text: t }))));
    return el("div", { class: "scroll" }, el("table", { class: "events" }, head, body));
  }
  function eventDetail(e) {
    if (e.delta !== undefined) return JSON.stringify(e.delta);
    if (e.item) return json(e.item);
    if (e.response) return json(e.response);
    if (e.raw) return e.raw;
    if (e.message) return `${e.code || ""} ${e.message}`;
    return "";
  }
  function headerTable(headers) {
    const rows = Object.entries(headers || {}).map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: k }), el("td", { text: v.join(", ") })));
    return rows.length ? el("table", {}, el("tbody", {}, ...rows)) : el("p", { class: "empty", text: "none" });
  }

  // ---- transcripts ----
  function transcript(data, cid, into) {
    if (!data) {
      into.append(el("p", { class: "empty", text: "No golden transcript beside this cassette." }));
      return;
    }
    into.append(el("p", { class: "stats", text: `${data.name}: ${plural(data.lines || 0, "message")}` }));
    if (data.error) into.append(box("error", "Unreadable", el("pre", { text: data.error })));
    for (const turn of data.turns) {
      const id = `${cid}-t${turn.number}`;
      const links = turn.interactions.map((i) => el("a", { href: `#${cid}-i${i}`, text: `#${i}` }));
      const linkLine = el("p", { class: "links" }, links.length ? "Provider interactions: " : "No provider interaction.");
      links.forEach((a, i) => linkLine.append(i ? ", " : "", a));
      const node = el("section", { class: "turn", id, tabindex: "-1", "aria-labelledby": `${id}-h` },
        el("h4", { id: `${id}-h`, text: turn.input ? `${turn.title}: “${turn.input}”` : turn.title }), linkLine);
      lazy(node, (n) => n.append(lines(turn.lines, cid)));
      into.append(node);
    }
  }
  function lines(list, cid) {
    const ol = el("ol");
    for (const line of list) {
      const arrow = line.direction === "C->S" ? "C→S" : "S→C";
      const label = line.kind === "response" || line.kind === "answer"
        ? `${line.error ? "error" : "result"} of ${line.method || "?"}` : line.method;
      const li = el("li", { class: `line kind-${line.kind}${line.approval ? " approval" : ""}`, "data-kind": line.kind,
        "data-method": line.method || "", "data-interaction": line.interaction,
        "data-item-type": line.message.params && line.message.params.item ? line.message.params.item.type : null },
        el("span", { class: "dir", text: arrow }), el("code", { text: label }),
        line.id !== undefined && line.id !== null ? el("span", { class: "stats", text: `id ${line.id}` }) : null,
        el("span", { class: "what", text: lineSummary(line) }),
        line.interaction !== undefined ? el("a", { class: "from", href: `#${cid}-i${line.interaction}`,
          "aria-label": `from provider interaction ${line.interaction}`, text: `from #${line.interaction}` }) : null);
      li.append(lazyDetails("JSON", () => el("pre", { text: json(line.message) })));
      ol.append(li);
    }
    return ol;
  }
  function lineSummary(line) {
    const m = line.message;
    const p = m.params || {};
    const r = m.result || {};
    if (line.approval && line.kind === "server-request") {
      return p.command ? `approve command: ${p.command}${p.reason ? ` (${p.reason})` : ""}` : `approve: ${p.reason || json(p).slice(0, 160)}`;
    }
    if (line.approval) return `decision: ${r.decision ?? json(r).slice(0, 80)}`;
    if (m.error) return m.error.message || "";
    if (p.item) {
      const it = p.item;
      return [it.type, it.text, it.command, it.status, it.changes && it.changes.map((c) => c.path).join(", ")].filter(Boolean).join(" · ");
    }
    if (p.delta !== undefined) return JSON.stringify(p.delta);
    if (p.turn) return [p.turn.status, p.turn.error && p.turn.error.message].filter(Boolean).join(" · ");
    if (m.method === "error") return (p.error && p.error.message) || "";
    if (p.input) return p.input.map((x) => x.text || x.type).join(" ");
    if (p.status) return p.status.type || "";
    return "";
  }

  // ---- diffs ----
  function diffSection(section, di) {
    const id = `d${di}`;
    const node = el("section", { class: "diff", id, "aria-labelledby": `${id}-h` },
      el("h2", { id: `${id}-h`, text: section.name }));
    const changed = section.units.filter((u) => u.changes.length).length;
    node.append(dl([["A", section.a], ["B", section.b],
      ["Differences", `${plural(section.changes, "field")} in ${plural(changed, section.unit)} of ${section.units.length}`]]));
    if (section.note) node.append(el("p", { class: "badge warn", text: section.note }));
    if (section.unplayed && section.unplayed.length) {
      node.append(box("error", "Recorded interactions the replay never asked for", el("ul", {}, ...section.unplayed.map((u) => el("li", { text: u })))));
    }
    if (!section.changes) node.append(el("p", { class: "badge ok", text: "no difference" }));
    let run = [];
    const flush = () => {
      if (!run.length) return;
      const first = run[0], last = run[run.length - 1];
      const names = first === last ? `${first.a_label}` : `${first.a_label} – ${last.a_label}`;
      node.append(el("div", { class: "unit same", text: `${names}: the same on both sides` }));
      run = [];
    };
    const tocList = el("ul", {}, el("li", { class: "cas" }, el("a", { href: `#${id}`, text: section.name })));
    section.units.forEach((unit, ui) => {
      if (!unit.changes.length) { run.push(unit); return; }
      flush();
      const uid = `${id}-u${ui}`;
      const title = `${unit.a_label || "(none)"} ↔ ${unit.b_label || "(none)"}: ${plural(unit.changes.length, "change")}`;
      const box = el("div", { class: "unit", id: uid, tabindex: "-1", "aria-labelledby": `${uid}-h`,
        "data-unit-a": unit.a_label || "", "data-unit-b": unit.b_label || "" }, el("h3", { id: `${uid}-h`, text: title }));
      const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Field" }),
        el("th", { scope: "col", text: `A: ${shortName(section.a)}` }), el("th", { scope: "col", text: `B: ${shortName(section.b)}` })));
      const body = el("tbody");
      for (const change of unit.changes) {
        body.append(el("tr", { class: `change ${change.kind}`, "data-diff": change.path },
          el("td", { class: "path" }, el("code", { text: change.path })),
          el("td", { class: "old" }, change.kind === "added" ? el("span", { class: "empty", text: "(absent)" }) : el("pre", { text: json(change.old) })),
          el("td", { class: "new" }, change.kind === "removed" ? el("span", { class: "empty", text: "(absent)" }) : el("pre", { text: json(change.new) }))));
      }
      box.append(el("div", { class: "scroll" }, el("table", { class: "changes" }, head, body)));
      box.append(lazyDetails(`Whole ${section.unit}, side by side`, () => el("div", { class: "sides" },
        el("div", {}, el("p", { class: "side-label", text: `A ${unit.a_label || ""}` }), el("pre", { text: unit.a === null ? "(absent)" : json(unit.a) })),
        el("div", {}, el("p", { class: "side-label", text: `B ${unit.b_label || ""}` }), el("pre", { text: unit.b === null ? "(absent)" : json(unit.b) })))));
      node.append(box);
      order.push(box);
      tocList.append(el("li", {}, el("a", { href: `#${uid}`, text: unit.a_label || unit.b_label })));
    });
    flush();
    toc.append(tocList);
    return node;
  }
  function shortName(path) {
    return String(path).split("/").pop();
  }

  // ---- navigation ----
  function go(node) {
    if (!node) return;
    realise(node);
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: "start" });
  }
  function current() {
    const active = document.activeElement;
    const at = order.indexOf(active && active.closest ? active.closest(".interaction, .unit") : null);
    if (at >= 0) return at;
    const top = document.querySelector(".top").getBoundingClientRect().bottom;
    const below = order.findIndex((n) => n.getBoundingClientRect().top >= top);
    return below < 0 ? order.length : below - 1;
  }
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target instanceof HTMLElement && event.target.closest("input, textarea, select")) return;
    if (event.key === "j") go(order[Math.min(current() + 1, order.length - 1)]);
    else if (event.key === "k") go(order[Math.max(current() - 1, 0)]);
    else if (event.key === "t") {
      const link = document.activeElement && document.activeElement.querySelector && document.activeElement.querySelector(".turn-link");
      if (link) go(document.getElementById(link.getAttribute("href").slice(1)));
    } else return;
    event.preventDefault();
  });
  // In-page links go to placeholders too: fill the target before the browser scrolls to it.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a[href^='#']");
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    go(target);
    history.replaceState(null, "", link.getAttribute("href"));
  });
  document.getElementById("render-all").addEventListener("click", renderAll);

  // ---- build ----
  let cassettes = 0, diffs = 0;
  for (const section of DATA.sections) {
    main.append(section.kind === "diff" ? diffSection(section, diffs++) : cassette(section, cassettes++));
  }
  // Fill what is on the first screen now, not on the observer's first callback, so the first paint has it.
  const fold = window.innerHeight + 600;
  for (const node of pending.keys()) {
    if (node.getBoundingClientRect().top > fold) continue;
    realise(node);
  }
  if (location.hash) go(document.getElementById(location.hash.slice(1)));
  window.reelkit = { renderAll, order, buildMs: performance.now() - started };
  requestAnimationFrame(() => requestAnimationFrame(() => {
    document.body.dataset.firstScreenMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "1";
  }));
})();
