// Draws the version's diagram with bpmn-js (NavigatedViewer) beside its escalation register. Choosing a path in
// the list marks its steps and flows on the diagram (a path into a called process marks the call) and brings
// them into view; choosing it again clears the mark. Element names are swapped for the page's language from the
// catalogue the server passes along, lane names for the roles' names.
const box = document.getElementById("diagram");
if (box && window.BpmnJS) {
  const names = JSON.parse(box.dataset.names || "{}");
  const lanes = JSON.parse(box.dataset.lanes || "{}");
  const response = await fetch(box.dataset.xml, { credentials: "same-origin" });
  const doc = new DOMParser().parseFromString(await response.text(), "application/xml");
  for (const el of doc.querySelectorAll("[id]")) {
    const role = el.localName === "lane" && lanes[(el.getAttribute("name") || "").trim()];
    if (role) el.setAttribute("name", role);
    else if (names[el.getAttribute("id")] && el.hasAttribute("name")) el.setAttribute("name", names[el.getAttribute("id")]);
  }
  const viewer = new window.BpmnJS({ container: box });
  await viewer.importXML(new XMLSerializer().serializeToString(doc));
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  canvas.zoom("fit-viewport");
  let marked = [];
  const clear = () => {
    for (const id of marked) canvas.removeMarker(id, "register-on-path");
    marked = [];
    for (const b of document.querySelectorAll(".register-select")) {
      b.setAttribute("aria-pressed", "false");
      b.closest(".register-path").classList.remove("is-chosen");
    }
  };
  for (const button of document.querySelectorAll(".register-select")) {
    button.addEventListener("click", () => {
      const wasChosen = button.getAttribute("aria-pressed") === "true";
      clear();
      if (wasChosen) return;
      marked = JSON.parse(button.dataset.elements).filter((id) => registry.get(id));
      for (const id of marked) canvas.addMarker(id, "register-on-path");
      button.setAttribute("aria-pressed", "true");
      button.closest(".register-path").classList.add("is-chosen");
      const last = registry.get(marked[marked.length - 1]);
      if (last) canvas.scrollToElement(last);
    });
  }
  box.dataset.ready = "true";
}
