// Draws two versions of a process side by side with bpmn-js (NavigatedViewer) and marks what changed: added
// elements on the new one, removed ones on the old one, changed ones on both, each with a coloured marker and a
// badge in words (colour is not the only sign). Element names are swapped for the page's language from each
// version's own catalogue, lane names for the roles' names. Choosing a change in the list selects the element in
// both diagrams and brings it into view.
const boxes = ["diagram-old", "diagram-new"].map((id) => document.getElementById(id)).filter(Boolean);
const viewers = new Map();

async function draw(box) {
  const names = JSON.parse(box.dataset.names || "{}");
  const lanes = JSON.parse(box.dataset.lanes || "{}");
  const marks = JSON.parse(box.dataset.marks || "{}");
  const badges = JSON.parse(box.dataset.badges || "{}");
  const response = await fetch(box.dataset.xml, { credentials: "same-origin" });
  const doc = new DOMParser().parseFromString(await response.text(), "application/xml");
  for (const el of doc.querySelectorAll("[id]")) {
    const name = names[el.getAttribute("id")];
    if (el.localName === "lane") {
      const role = lanes[(el.getAttribute("name") || "").trim()];
      if (role) el.setAttribute("name", role);
    } else if (name && el.hasAttribute("name")) {
      el.setAttribute("name", name);
    }
  }
  const viewer = new window.BpmnJS({ container: box });
  try {
    await viewer.importXML(new XMLSerializer().serializeToString(doc));
    const registry = viewer.get("elementRegistry");
    const canvas = viewer.get("canvas");
    const overlays = viewer.get("overlays");
    for (const [kind, ids] of Object.entries(marks)) {
      for (const id of ids) {
        const element = registry.get(id);
        if (!element) continue;
        canvas.addMarker(id, `diff-${kind}`);
        const badge = document.createElement("span");
        badge.className = `diff-badge diff-badge-${kind}`;
        badge.textContent = badges[kind] || kind;
        overlays.add(id, "diff", { position: element.waypoints ? { top: -12, left: 0 } : { top: -12, right: 12 }, html: badge });
      }
    }
    canvas.zoom("fit-viewport", "auto");
    viewers.set(box.id, viewer);
    box.dataset.ready = "true";
  } catch (error) {
    box.textContent = String(error.message || error);
    box.dataset.ready = "error";
  }
}

// Selects the element in a diagram and centres it at a readable scale (an element missing from that version
// clears the selection there).
function focus(box, id) {
  const viewer = viewers.get(box.id);
  if (!viewer) return;
  const element = viewer.get("elementRegistry").get(id);
  const selection = viewer.get("selection");
  if (!element) {
    selection.select(null);
    box.dataset.selected = "";
    return;
  }
  selection.select(element);
  const canvas = viewer.get("canvas");
  const points = element.waypoints || [{ x: element.x, y: element.y }, { x: element.x + element.width, y: element.y + element.height }];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const width = Math.max(...xs) - Math.min(...xs);
  const height = Math.max(...ys) - Math.min(...ys);
  const scale = Math.min(1, (box.clientWidth - 40) / Math.max(width, 1), (box.clientHeight - 40) / Math.max(height, 1));
  const viewWidth = box.clientWidth / scale;
  const viewHeight = box.clientHeight / scale;
  canvas.viewbox({ x: Math.min(...xs) + width / 2 - viewWidth / 2, y: Math.min(...ys) + height / 2 - viewHeight / 2,
    width: viewWidth, height: viewHeight });
  box.dataset.selected = id;
}

if (boxes.length && window.BpmnJS) {
  await Promise.all(boxes.map(draw));
  for (const button of document.querySelectorAll(".diff-select")) {
    button.addEventListener("click", () => {
      for (const item of document.querySelectorAll(".diff-item[aria-current]")) item.removeAttribute("aria-current");
      button.closest(".diff-item").setAttribute("aria-current", "true");
      for (const box of boxes) focus(box, button.dataset.element);
      const top = boxes[0].getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight - 100) boxes[0].scrollIntoView({ block: "start", behavior: "smooth" });
    });
  }
}
