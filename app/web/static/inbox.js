// Keeps the inbox fresh: every 15 s the rows and the per-role counts are fetched again.
const body = document.getElementById("inbox-rows");
async function refresh() {
  try {
    const response = await fetch(body.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    if (!body.contains(document.activeElement)) body.innerHTML = data.rows;
    const total = document.getElementById("inbox-total");
    if (total) total.textContent = `(${data.total})`;
    for (const [role, count] of Object.entries(data.counts)) {
      const badge = document.querySelector(`[data-count="${role}"]`);
      if (badge) badge.textContent = count;
    }
  } catch (error) { /* offline for a moment: try again next time */ }
}
if (body) setInterval(refresh, Number(body.dataset.interval || 15000));
