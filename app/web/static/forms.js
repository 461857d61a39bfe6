// The pages' forms, on every page (base.html loads this with `defer`):
// - drafts: what is typed in a page's forms (those with an id; never passwords or files) is kept in this tab's
//   sessionStorage while the page is open. When the session ends and a form is sent, the service sends the clerk
//   to log in and back to the form's page with #draft: the draft is put back. Any other page load forgets the
//   drafts of other pages (the form was sent or left), and logging out forgets them all;
// - the first invalid field gets the focus after the service refused a form;
// - attachments upload in the background (XMLHttpRequest, for its progress events): the list is refreshed in
//   place and nothing typed elsewhere on the page is lost; without scripts the form posts as usual;
// - the header's menu folds away on narrow screens.
(function () {
  "use strict";
  const script = document.currentScript;
  const texts = script ? script.dataset : {};
  const PREFIX = "draft:";
  document.documentElement.classList.add("js");

  // --- drafts -----------------------------------------------------------------------------------------------
  const SKIPPED = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);

  function draftForms() {
    return Array.from(document.querySelectorAll("form[id][method=post]"))
      .filter((form) => !form.hasAttribute("data-async-upload"));
  }

  function fields(form) {
    return Array.from(form.elements).filter((el) => el.name && !SKIPPED.has(el.type) && el.name !== "csrf_token");
  }

  function keyOf(form) {
    return `${PREFIX}${location.pathname}#${form.id}`;
  }

  function snapshot(form) {
    const values = {};
    for (const el of fields(form)) {
      const list = values[el.name] || (values[el.name] = []);
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) list.push(el.value);
      } else if (el.type === "select-multiple") {
        for (const option of el.selectedOptions) list.push(option.value);
      } else {
        list.push(el.value);
      }
    }
    try {
      sessionStorage.setItem(keyOf(form), JSON.stringify(values));
    } catch (error) { /* storage full or refused: the form still works, without a draft */ }
  }

  function restore(form, values) {
    const seen = {};
    for (const el of fields(form)) {
      const list = values[el.name];
      if (!list) continue;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = list.includes(el.value);
      } else if (el.type === "select-multiple") {
        for (const option of el.options) option.selected = list.includes(option.value);
      } else {
        const index = seen[el.name] || 0;
        seen[el.name] = index + 1;
        if (index < list.length) el.value = list[index];
      }
    }
  }

  function storedKeys() {
    const keys = [];
    for (let i = 0; i < sessionStorage.length; i += 1) {
      const key = sessionStorage.key(i);
      if (key && key.startsWith(PREFIX)) keys.push(key);
    }
    return keys;
  }

  function showNotice(text) {
    const main = document.getElementById("main");
    if (!main || !text) return;
    const notice = document.createElement("p");
    notice.className = "flash warn";
    notice.id = "draft-restored";
    notice.setAttribute("role", "status");
    notice.textContent = text;
    main.prepend(notice);
  }

  function keepDrafts() {
    if (location.pathname === texts.login) return;  // on the way back to a form: keep them
    const returning = location.hash === "#draft";
    const forms = draftForms();
    const here = new Set(forms.map(keyOf));
    let restored = null;
    for (const key of storedKeys()) {
      if (returning && here.has(key)) {
        const form = forms.find((candidate) => keyOf(candidate) === key);
        try {
          restore(form, JSON.parse(sessionStorage.getItem(key)) || {});
          restored = restored || form;
        } catch (error) { /* a damaged draft: the form stays as the service sent it */ }
      } else {
        sessionStorage.removeItem(key);
      }
    }
    if (returning) history.replaceState(null, "", location.pathname + location.search);
    if (restored) showNotice(texts.restored);
    for (const form of forms) {
      snapshot(form);
      const save = () => snapshot(form);
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", save);
    }
    return restored;
  }

  function forgetDraftsOnLogout() {
    const logout = document.getElementById("logout");
    if (!logout || !logout.form) return;
    logout.form.addEventListener("submit", () => {
      for (const key of storedKeys()) sessionStorage.removeItem(key);
    });
  }

  // --- focus ------------------------------------------------------------------------------------------------
  function focusFirstInvalid(restored) {
    const invalid = document.querySelector('main [aria-invalid="true"]');
    const target = invalid || (restored && fields(restored)[0]);
    if (target) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center" });
    }
  }

  // --- attachments ------------------------------------------------------------------------------------------
  function asyncUpload(form) {
    const list = document.getElementById("attachment-list");
    const progress = form.querySelector("progress");
    const message = form.querySelector("#attachment-message");
    const button = form.querySelector("button[type=submit]");
    for (const hint of form.querySelectorAll("[data-without-script]")) hint.hidden = true;

    function say(text, failed) {
      message.textContent = text || "";
      message.classList.toggle("error", Boolean(failed));
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", form.elements.csrf_token.value);
      request.upload.addEventListener("progress", (step) => {
        if (step.lengthComputable) progress.value = Math.round((step.loaded / step.total) * 100);
      });
      request.addEventListener("load", () => {
        let body = {};
        try {
          body = JSON.parse(request.responseText);
        } catch (error) {
          body = { message: texts.uploadFailed };
        }
        progress.hidden = true;
        button.disabled = false;
        if (body.location) {  // the session ended or the form expired: log in and come back, input kept
          location.assign(body.location);
          return;
        }
        if (request.status === 201) {
          list.innerHTML = body.items;
          form.elements.file.value = "";
          if (body.added) fillFromAttachment(body.added);
        }
        say(body.message, request.status !== 201);
      });
      request.addEventListener("error", () => {
        progress.hidden = true;
        button.disabled = false;
        say(texts.uploadFailed, true);
      });
      progress.value = 0;
      progress.hidden = false;
      button.disabled = true;
      say(texts.uploading, false);
      request.send(new FormData(form));
    });
  }

  // A task field that takes an attachment of this kind (finance's signed claim form), still empty: the new
  // file's reference goes in, as the page would have filled it in had the file been there when it loaded.
  function fillFromAttachment(added) {
    for (const input of document.querySelectorAll("input[data-attachment-kinds]")) {
      if (input.value.trim() || !input.dataset.attachmentKinds.split(" ").includes(added.kind)) continue;
      input.value = added.reference;
      input.dispatchEvent(new Event("input", { bubbles: true }));  // kept in the draft like typed text
    }
  }

  // --- the header's menu ------------------------------------------------------------------------------------
  function foldingMenu() {
    const toggle = document.getElementById("menu-toggle");
    const nav = document.getElementById("main-nav");
    if (!toggle || !nav) return;
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  const restored = keepDrafts();
  forgetDraftsOnLogout();
  focusFirstInvalid(restored);
  for (const form of document.querySelectorAll("form[data-async-upload]")) asyncUpload(form);
  foldingMenu();
}());
