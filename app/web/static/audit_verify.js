// Legal's check of every complaint's audit trail: asks the server for one batch after another and stops at the
// first broken link, showing its complaint and event.
const card = document.getElementById("verify-all");
const button = document.getElementById("verify-all-run");
const status = document.getElementById("verify-all-status");
const link = document.getElementById("verify-all-broken");

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

async function run() {
  button.disabled = true;
  link.hidden = true;
  let after = 0;
  let complaints = 0;
  let events = 0;
  try {
    while (after !== null) {
      const response = await fetch(`${card.dataset.batchUrl}?after=${after}`, {credentials: "same-origin"});
      if (!response.ok) throw new Error(String(response.status));
      const batch = await response.json();
      complaints += batch.complaints;
      events += batch.events;
      if (batch.broken) {
        status.textContent = fill(card.dataset.broken, batch.broken);
        status.className = "error";
        link.href = batch.broken.url;
        link.hidden = false;
        return;
      }
      after = batch.next_after;
      status.textContent = fill(card.dataset.progress, {complaints, events});
    }
    status.textContent = fill(card.dataset.intact, {complaints, events});
    status.className = "ok";
  } catch {
    status.textContent = card.dataset.failed;
    status.className = "error";
  } finally {
    button.disabled = false;
  }
}

button.addEventListener("click", run);
