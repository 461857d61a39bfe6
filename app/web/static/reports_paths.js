// A diagram's heat map: draws the active version with bpmn-js (NavigatedViewer), names its elements and lanes in the
// page's language, colours each element that complaints reached by its volume (four steps up to the busiest) and
// puts an overlay on it with the count (a link to the complaints when the service gives their list) and the median
// hours its tasks stayed open; a call activity's overlay links to the called process's heat map restricted to the
// complaints that ran it from there. The table below the diagram holds the same figures.
const box = document.getElementById("diagram");
if (box && window.BpmnJS) {
  const names = JSON.parse(box.dataset.names || "{}");
  const lanes = JSON.parse(box.dataset.lanes || "{}");
  const figures = JSON.parse(box.dataset.overlays || "[]");
  const response = await fetch(box.dataset.xml, { credentials: "same-origin" });
  const doc = new DOMParser().parseFromString(await response.text(), "application/xml");
  for (const el of doc.querySelectorAll("[id]")) {
    const name = names[el.getAttribute("id")];
    if (name && el.hasAttribute("name")) el.setAttribute("name", name);
    const role = el.localName === "lane" && lanes[(el.getAttribute("name") || "").trim()];
    if (role) el.setAttribute("name", role);
  }
  const viewer = new window.BpmnJS({ container: box });
  try {
    await viewer.importXML(new XMLSerializer().serializeToString(doc));
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const overlays = viewer.get("overlays");
    const busiest = Math.max(1, ...figures.map((f) => f.complaints));
    for (const figure of figures) {
      if (!registry.get(figure.id)) continue;
      canvas.addMarker(figure.id, `heat-${Math.min(4, Math.ceil((4 * figure.complaints) / busiest))}`);
      const label = document.createElement("div");
      label.className = "heat-overlay";
      label.dataset.element = figure.id;
      const count = document.createElement(figure.url ? "a" : "strong");
      count.textContent = String(figure.complaints);
      if (figure.url) count.href = figure.url;
      label.append(count);
      if (figure.median !== null && figure.median !== undefined) {
        label.append(" · ", box.dataset.hours.replace("%s", figure.median.toFixed(1)));
      }
      if (figure.drill) {
        const drill = document.createElement("a");
        drill.href = figure.drill;
        drill.className = "drill-down";
        drill.textContent = box.dataset.drill;
        label.append(" · ", drill);
      }
      overlays.add(figure.id, "heat", { position: { top: -22, left: 0 }, html: label });
    }
    canvas.zoom("fit-viewport", "auto");
    box.dataset.ready = "true";
  } catch (error) {
    box.textContent = String(error.message || error);
    box.dataset.ready = "error";
  }
}
