// The settings page: a weekday marked closed has no opening hours to fill in.
(function () {
  'use strict';

  document.querySelectorAll('[data-day-closed]').forEach((box) => {
    const day = box.dataset.dayClosed;
    const times = ['opens', 'closes'].map((part) => document.getElementById(`${part}-${day}`));
    const apply = () => times.forEach((input) => { input.disabled = box.checked; });
    box.addEventListener('change', apply);
    apply();
  });
}());
