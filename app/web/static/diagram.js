// Draws a complaint's diagram with bpmn-js (NavigatedViewer), fitted to its box, and marks the steps done, the
// current steps and the catch events that wait for a message (or the call activity whose inner step waits).
// The path taken: the sequence flows between two marked steps, through the gateways and events between them.
// Element names are swapped for the page's language from the catalogue the server passes along, and lane names
// (role ids or names) for the roles' names in that language.
const box = document.getElementById("diagram");
if (box && window.BpmnJS) {
  const current = JSON.parse(box.dataset.current || "[]");
  const done = JSON.parse(box.dataset.done || "[]");
  const waiting = JSON.parse(box.dataset.waiting || "[]");
  const names = JSON.parse(box.dataset.names || "{}");
  const lanes = JSON.parse(box.dataset.lanes || "{}");
  const processKey = box.dataset.process;
  const response = await fetch(box.dataset.xml, { credentials: "same-origin" });
  let xml = await response.text();
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  for (const el of doc.querySelectorAll("[id]")) {
    const name = names[el.getAttribute("id")];
    if (name && el.hasAttribute("name")) el.setAttribute("name", name);
    const role = el.localName === "lane" && lanes[(el.getAttribute("name") || "").trim()];
    if (role) el.setAttribute("name", role);
  }
  xml = new XMLSerializer().serializeToString(doc);
  const viewer = new window.BpmnJS({ container: box });
  try {
    await viewer.importXML(xml);
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    // Where a step shows on this diagram: its own element, or a call activity that runs the step's process: the one
    // the service placed a waiting process on, else those that call it, directly or through the processes they call.
    const calls = JSON.parse(box.dataset.calls || "{}");
    const placed = new Map(waiting.filter((w) => w.top && registry.get(w.top)).map((w) => [w.process, w.top]));
    const callActivities = registry.filter((e) => e.type === "bpmn:CallActivity");
    const reaches = (from, to, seen) => from === to || (!seen.has(from) && seen.add(from)
      && (calls[from] || []).some((next) => reaches(next, to, seen)));
    const candidates = (step) => {
      if ((!step.process || step.process === processKey) && registry.get(step.element)) return [step.element];
      if (placed.has(step.process)) return [placed.get(step.process)];
      const direct = callActivities.filter((e) => e.businessObject.calledElement === step.process);
      const found = direct.length ? direct
        : callActivities.filter((e) => reaches(e.businessObject.calledElement, step.process, new Set()));
      return found.map((e) => e.id);
    };
    const ids = choose(registry, [...done, ...current].map(candidates));
    const reached = new Set(ids.slice(0, done.length).filter(Boolean));
    for (const id of reached) canvas.addMarker(id, "step-done");
    const currentIds = ids.slice(done.length).filter(Boolean);
    if (reached.size || currentIds.length) markPath(registry, canvas, reached, currentIds);
    for (const id of currentIds) { canvas.removeMarker(id, "step-done"); canvas.addMarker(id, "step-current"); }
    for (const id of waiting.map((w) => (registry.get(w.top) ? w.top : candidates(w)[0])).filter(Boolean)) {
      canvas.removeMarker(id, "step-done");
      canvas.addMarker(id, "step-waiting");
    }
    canvas.zoom("fit-viewport", "auto");  // the whole diagram, centred: the path and where it stands
    box.dataset.ready = "true";
  } catch (error) {
    box.textContent = String(error.message || error);
    box.dataset.ready = "error";
  }
}

// Picks one element for each step (the steps in the order they happened, each with its candidates): a step with
// several goes where the step before it leads and from where the step after it can be reached (a type's diagram
// calls the shared follow-up or review from several places, and only one of them is on the case's path).
function choose(registry, steps) {
  const after = new Map();
  const forward = (id) => {  // every element a sequence flow path leads to from `id` (boundary events included)
    if (!after.has(id)) {
      const seen = new Set();
      const queue = [registry.get(id)].filter(Boolean);
      while (queue.length) {
        const shape = queue.pop();
        for (const from of [shape, ...(shape.attachers || [])]) {
          for (const flow of from.outgoing || []) {
            if (flow.type === "bpmn:SequenceFlow" && flow.target && !seen.has(flow.target.id)) {
              seen.add(flow.target.id);
              queue.push(flow.target);
            }
          }
        }
      }
      after.set(id, seen);
    }
    return after.get(id);
  };
  const chosen = steps.map((ids) => (ids.length === 1 ? ids[0] : null));
  steps.forEach((ids, i) => {
    if (chosen[i] !== null || !ids.length) return;
    const before = chosen.slice(0, i).reverse().find(Boolean);
    const next = chosen.slice(i + 1).find(Boolean);
    const fits = ids.filter((id) => (!before || before === id || forward(before).has(id))
      && (!next || next === id || forward(id).has(next)));
    chosen[i] = fits[0] || ids[0];
  });
  return chosen;
}

// Marks the sequence flows (and the gateways, events and automatic steps on them) that lead from one reached
// step to another: a flow counts when it is on a path from a done step (or a start event) to a done or current
// step that passes only through elements without people's work (user tasks are known from the history).
function markPath(registry, canvas, reached, currentIds) {
  const ends = new Set([...reached, ...currentIds]);
  const starts = registry.filter((e) => e.type === "bpmn:StartEvent" && !e.businessObject.triggeredByEvent
    && e.parent && e.parent.type !== "bpmn:SubProcess");
  const sources = [...reached].map((id) => registry.get(id)).filter(Boolean).concat(starts);
  const human = new Set(["bpmn:UserTask", "bpmn:ManualTask", "bpmn:Task"]);
  const flowsOut = (shape) => (shape.outgoing || []).filter((c) => c.type === "bpmn:SequenceFlow");
  const onPath = new Set();
  const walk = (shape, trail, seen, depth) => {
    for (const flow of flowsOut(shape)) {
      const next = flow.target;
      if (!next || seen.has(next.id)) continue;
      if (ends.has(next.id)) {
        for (const id of [...trail, flow.id]) onPath.add(id);
      } else if (depth < 12 && !human.has(next.type)) {
        seen.add(next.id);
        walk(next, [...trail, flow.id, next.id], seen, depth + 1);
        seen.delete(next.id);
      }
    }
  };
  for (const source of sources) {
    walk(source, source.type === "bpmn:StartEvent" ? [source.id] : [], new Set([source.id]), 0);
  }
  for (const id of onPath) {
    if (!ends.has(id)) canvas.addMarker(id, registry.get(id).waypoints ? "path-taken" : "step-passed");
  }
}
