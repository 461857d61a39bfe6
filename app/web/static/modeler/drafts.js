// Never lose work: the diagram and its catalogue are saved as the owner's draft on the server a moment after
// each change, and at once when the page is hidden or left. Each save names the revision it was read at, so a
// stale copy (another tab saved meanwhile, or a newer version was deployed) is refused with what changed; the
// owner then loads the other copy, or keeps theirs on top of it. Deploying saves first, then asks the service
// for the next version (lint errors refuse it and are listed), and offers to activate it.
import { send, words } from './http';

const PAUSE = 1000;
const RETRY = 5000;
const KEEPALIVE_LIMIT = 60000;  // a request sent while the page unloads may carry at most 64 KB

export default class Drafts {
  constructor(modeler, catalogue, problems, page) {
    Object.assign(this, { modeler, catalogue, problems, page });
    this.revision = 0;
    this.base = null;
    this.dirty = false;
    this.saving = null;
    this.conflict = null;
    this.timer = null;
  }

  start(revision, base) {
    this.revision = revision;
    this.base = base;
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.save({ leaving: true });
    });
    window.addEventListener('pagehide', () => this.save({ leaving: true }));
    window.addEventListener('beforeunload', (event) => {
      if (this.dirty || this.saving) event.preventDefault();
    });
  }

  changed() {
    this.dirty = true;
    this.say(this.page.texts.unsaved, 'unsaved');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), PAUSE);
  }

  say(text, state) {
    this.page.status.textContent = text;
    this.page.status.dataset.state = state;
  }

  async body() {
    const { xml } = await this.modeler.saveXML({ format: true });
    const catalogue = this.catalogue.entries(this.modeler.get('elementRegistry'), xml);
    return { xml, catalogue, revision: this.revision, base_version: this.base };
  }

  // Saves what is on the canvas when it changed since the last save; resolves to true once it is on the server.
  async save({ leaving = false } = {}) {
    if (this.conflict) return false;
    if (this.saving) {
      await this.saving;
      return this.dirty ? this.save({ leaving }) : true;
    }
    if (!this.dirty) return true;
    clearTimeout(this.timer);
    this.dirty = false;
    this.saving = this.put(leaving);
    const saved = await this.saving;
    this.saving = null;
    return saved;
  }

  async put(leaving) {
    const body = await this.body();
    const { texts, urls, csrf, lang } = this.page;
    let answer;
    try {
      if (leaving && JSON.stringify(body).length < KEEPALIVE_LIMIT) {
        const response = await fetch(urls.draft, {
          method: 'PUT', keepalive: true, credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
          body: JSON.stringify(body) });
        answer = { status: response.status, body: await response.json().catch(() => null) };
      } else {
        answer = await send('PUT', urls.draft, body, csrf);
      }
    } catch (error) {
      this.dirty = true;
      this.say(texts.offline, 'error');
      this.timer = setTimeout(() => this.save(), RETRY);
      return false;
    }
    if (answer.status === 200 && answer.body) {
      this.revision = answer.body.revision;
      this.base = answer.body.base_version;
      this.say(texts.savedAt.replace('{time}', new Date().toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB')), 'saved');
      this.page.onSaved(answer.body);
      return true;
    }
    this.dirty = true;
    if (answer.status === 409 && answer.body) {
      this.showConflict(answer.body);
    } else if (answer.status === 401) {
      this.say(texts.sessionEnded, 'error');
    } else {
      this.say(words(answer.body, lang, texts.notSaved.replace('{status}', answer.status)), 'error');
    }
    return false;
  }

  showConflict(conflict) {
    const { texts, lang, conflictBox } = this.page;
    this.conflict = conflict;
    this.say(texts.conflictStatus, 'conflict');
    conflictBox.querySelector('[data-conflict-message]').textContent = words(conflict, lang, '');
    const list = conflictBox.querySelector('[data-conflict-changes]');
    list.replaceChildren(...(conflict.changes || []).map((line) => {
      const item = document.createElement('li');
      item.textContent = line[lang] || line.en;
      return item;
    }));
    conflictBox.querySelector('[data-conflict-none]').hidden = Boolean((conflict.changes || []).length);
    conflictBox.dataset.reason = conflict.reason;
    conflictBox.hidden = false;
    conflictBox.scrollIntoView({ block: 'nearest' });
  }

  // The other copy replaces this one: the draft saved elsewhere, or the newer version (saved as the draft).
  async loadTheirs() {
    const conflict = this.conflict;
    this.closeConflict();
    if (conflict.reason === 'newer_version') {
      const state = await this.page.state(conflict.version);
      await this.page.load(state.version.xml, state.version.catalogue);
      this.base = conflict.version;
      this.changed();
    } else {
      const state = await this.page.state();
      if (state.draft) {
        await this.page.load(state.draft.xml, state.draft.catalogue);
        this.revision = state.draft.revision;
        this.base = state.draft.base_version;
      } else {
        await this.page.load(state.version.xml, state.version.catalogue);
        this.revision = 0;
        this.base = state.version.version;
      }
      this.dirty = false;
      this.say(this.page.texts.loaded, 'saved');
    }
  }

  // This copy goes on top: it is saved again, naming what it now knows of.
  async keepMine() {
    const conflict = this.conflict;
    this.closeConflict();
    if (conflict.reason === 'newer_version') {
      this.base = conflict.version;
    } else if (conflict.reason === 'draft_missing') {
      const state = await this.page.state();
      this.revision = 0;
      this.base = state.latest_version;
    } else {
      this.revision = conflict.revision;
    }
    this.dirty = true;
    await this.save();
  }

  closeConflict() {
    this.conflict = null;
    this.page.conflictBox.hidden = true;
  }

  async deploy() {
    const { texts, urls, csrf, lang } = this.page;
    if (!(await this.save())) return null;
    if (!this.revision) {
      this.page.announce(texts.nothingToDeploy, 'warn');
      return null;
    }
    this.page.announce(texts.deploying, 'info');
    const answer = await send('POST', urls.deploy, { revision: this.revision }, csrf);
    if (answer.status === 200 || answer.status === 201) {
      this.revision = 0;
      this.base = answer.body.version;
      this.say(texts.deployedStatus.replace('{n}', answer.body.version), 'saved');
      return answer.body;
    }
    if (answer.status === 409 && answer.body) {
      this.showConflict(answer.body);
    } else if (answer.status === 422 && answer.body && answer.body.problems) {
      this.problems.show(answer.body.problems);
      this.page.announce(texts.deployRefused, 'error');
      return null;
    }
    this.page.announce(words(answer.body, lang, texts.deployFailed), 'error');
    return null;
  }
}
