// Draws a complaint's diagram with bpmn-js (NavigatedViewer) and marks the current and completed steps.
// The path taken: the sequence flows between two marked steps, through the gateways and events between them.
// Element names are swapped for the page's language from the catalogue the server passes along.
const box = document.getElementById("diagram");
if (box && window.BpmnJS) {
  const current = JSON.parse(box.dataset.current || "[]");
  const done = JSON.parse(box.dataset.done || "[]");
  const names = JSON.parse(box.dataset.names || "{}");
  const processKey = box.dataset.process;
  const response = await fetch(box.dataset.xml, { credentials: "same-origin" });
  let xml = await response.text();
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  for (const el of doc.querySelectorAll("[id]")) {
    const name = names[el.getAttribute("id")];
    if (name && el.hasAttribute("name")) el.setAttribute("name", name);
  }
  xml = new XMLSerializer().serializeToString(doc);
  const viewer = new window.BpmnJS({ container: box });
  try {
    await viewer.importXML(xml);
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    // A step of this diagram, or the call activity that runs the step's own process.
    const target = (step) => {
      if ((!step.process || step.process === processKey) && registry.get(step.element)) return step.element;
      const call = registry.filter((e) => e.type === "bpmn:CallActivity"
        && e.businessObject.calledElement === step.process)[0];
      return call ? call.id : null;
    };
    const reached = new Set();
    for (const step of done) {
      const id = target(step);
      if (id) { canvas.addMarker(id, "step-done"); reached.add(id); }
    }
    const currentIds = current.map(target).filter(Boolean);
    if (reached.size || currentIds.length) markPath(registry, canvas, reached, currentIds);
    let focus = null;
    for (const step of current) {
      const id = target(step);
      if (id) { canvas.removeMarker(id, "step-done"); canvas.addMarker(id, "step-current"); focus = focus || id; }
    }
    if (focus) {  // a large diagram fitted whole is unreadable: show the current step at a readable size
      canvas.zoom(box.clientWidth < 500 ? 0.6 : 0.85);
      canvas.scrollToElement(registry.get(focus), { top: 120, bottom: 120, left: 200, right: 200 });
    } else if (canvas.zoom() < 0.5) {  // nothing to focus (the processes page): start at the start, readable
      const start = registry.filter((e) => e.type === "bpmn:StartEvent")[0];
      const scale = box.clientWidth < 500 ? 0.6 : 0.8;
      if (start) {
        canvas.viewbox({ x: start.x - 60, y: start.y - box.clientHeight / scale / 3,
          width: box.clientWidth / scale, height: box.clientHeight / scale });
      }
    }
    box.dataset.ready = "true";
  } catch (error) {
    box.textContent = String(error.message || error);
    box.dataset.ready = "error";
  }
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
