// Draws a complaint's diagram with bpmn-js (NavigatedViewer) and marks the current and completed steps.
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
    for (const step of done) {
      const id = target(step);
      if (id) canvas.addMarker(id, "step-done");
    }
    let focus = null;
    for (const step of current) {
      const id = target(step);
      if (id) { canvas.removeMarker(id, "step-done"); canvas.addMarker(id, "step-current"); focus = focus || id; }
    }
    if (focus) {  // a large diagram fitted whole is unreadable: show the current step at a readable size
      canvas.zoom(box.clientWidth < 500 ? 0.6 : 0.85);
      canvas.scrollToElement(registry.get(focus), { top: 120, bottom: 120, left: 200, right: 200 });
    }
    box.dataset.ready = "true";
  } catch (error) {
    box.textContent = String(error.message || error);
    box.dataset.ready = "error";
  }
}
