// The process owners' editor: bpmn-js's Modeler with the properties panel, the service's own choices in it,
// lint while editing, drafts saved on the server as the owner edits, deploy and activate.
// The page (app/web/templates/web/modeler.html) passes its addresses and words in data attributes.
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import Catalogue from './catalogue';
import Drafts from './drafts';
import { send, words } from './http';
import Problems from './problems';
import ServiceChoicesProvider from './provider';
import noScripts from './restrictions';
import spiffworkflow from './spiffworkflow.json';
import { property } from './extensions';
import { translateFor } from './translate';

// The groups a process owner edits most, open from the start.
const OPEN_GROUPS = ['general', 'service-form', 'service-operator', 'service-role', 'service-limit', 'service-message',
  'service-called', 'service-decision', 'service-condition', 'service-names'];

async function main(root) {
  const config = JSON.parse(root.dataset.config);
  const texts = JSON.parse(root.dataset.texts);
  const { lang, urls, csrf, key } = config;
  const $ = (selector) => root.querySelector(selector);
  const notice = $('#workbench-notice');

  const vocabulary = await send('GET', urls.vocabulary);
  if (vocabulary.status !== 200) {
    notice.textContent = words(vocabulary.body, lang, texts.loadFailed);
    return;
  }
  const modeler = new Modeler({
    container: $('#canvas'),
    propertiesPanel: { parent: $('#properties'), layout: { groups: Object.fromEntries(OPEN_GROUPS.map((id) => [id, { open: true }])) } },
    moddleExtensions: { spiffworkflow },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, noScripts, translateFor(lang),
      { __init__: ['serviceChoicesProvider'], serviceChoicesProvider: ['type', ServiceChoicesProvider],
        choices: ['value', vocabulary.body], words: ['value', { texts, lang }], catalogue: ['type', Catalogue] },
    ],
  });
  const catalogue = modeler.get('catalogue');
  const page = {
    texts, lang, urls, csrf, status: $('#save-status'), conflictBox: $('#conflict'),
    announce(text, kind) {
      notice.textContent = text;
      notice.className = `flash ${kind}`;
      notice.hidden = !text;
    },
    async state(version) {
      const url = version ? `${urls.state}?version=${encodeURIComponent(version)}` : urls.state;
      const answer = await send('GET', url);
      if (answer.status !== 200) throw new Error(words(answer.body, lang, texts.loadFailed));
      return answer.body;
    },
    async load(xml, entries) {
      catalogue.load(entries);
      await modeler.importXML(xml);
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      problems.schedule();
    },
    onSaved() {
      $('#discard').hidden = false;
    },
  };
  const problems = new Problems(modeler, { url: urls.lint, csrf, lang, texts, file: `${key}.bpmn`,
    list: $('#problems-list'), summary: $('#problems-summary') });
  const drafts = new Drafts(modeler, catalogue, problems, page);

  const state = await page.state(config.version);
  if (state.draft) {
    await page.load(state.draft.xml, state.draft.catalogue);
    drafts.start(state.draft.revision, state.draft.base_version);
    page.announce(texts.draftOpened.replace('{time}', new Date(state.draft.updated_at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB'))
      .replace('{n}', state.draft.base_version || '—'), 'info');
    $('#discard').hidden = false;
  } else {
    await page.load(state.version.xml, state.version.catalogue);
    drafts.start(0, state.version.version);
    page.announce(texts.versionOpened.replace('{n}', state.version.version), 'info');
  }

  const eventBus = modeler.get('eventBus');
  eventBus.on('commandStack.changed', () => { drafts.changed(); problems.schedule(); });
  eventBus.on('catalogue.changed', () => { drafts.changed(); });
  // A listener that returns a value stops the event for the others (the properties panel's among them).
  eventBus.on(['selection.changed', 'element.changed'], () => { preview(modeler, urls, $('#form-preview')); });

  $('#conflict-theirs').addEventListener('click', () => drafts.loadTheirs());
  $('#conflict-mine').addEventListener('click', () => drafts.keepMine());
  $('#deploy').addEventListener('click', async () => {
    $('#deploy').disabled = true;
    try {
      const deployed = await drafts.deploy();
      if (deployed) offerActivation(deployed);
    } finally {
      $('#deploy').disabled = false;
    }
  });
  $('#discard').addEventListener('click', async () => {
    if (!window.confirm(texts.discardConfirm)) return;
    const answer = await send('DELETE', urls.draft, undefined, csrf);
    if (answer.status === 204 || answer.status === 404) window.location.assign(urls.page);
    else page.announce(words(answer.body, lang, texts.loadFailed), 'error');
  });

  function offerActivation(deployed) {
    const box = $('#activation');
    box.hidden = false;
    box.dataset.version = deployed.version;
    $('#activation-text').textContent = (deployed.created ? texts.deployed : texts.deployedSame).replace('{n}', deployed.version);
    page.announce('', 'info');
    $('#discard').hidden = true;
    const button = $('#activate');
    button.hidden = deployed.active;
    button.textContent = texts.activate.replace('{n}', deployed.version);
    button.onclick = async () => {
      button.disabled = true;
      const answer = await send('POST', urls.activate.replace('/0/', `/${deployed.version}/`), {}, csrf);
      button.disabled = false;
      if (answer.status === 200) {
        button.hidden = true;
        $('#activation-text').textContent = texts.activated.replace('{n}', deployed.version);
      } else {
        $('#activation-text').textContent = words(answer.body, lang, texts.activateFailed);
      }
    };
  }

  window.workbench = { modeler, drafts, problems };
  root.dataset.ready = 'true';
}

// The form a selected user task fills in, drawn by the service from its JSON Schema as the task page draws it.
let previewed = null;
async function preview(modeler, urls, box) {
  const selected = modeler.get('selection').get();
  const element = selected.length === 1 ? selected[0] : null;
  const formKey = element && is(element, 'bpmn:UserTask') ? property(getBusinessObject(element), 'formKey') : null;
  if (formKey === previewed) return;
  previewed = formKey;
  if (!formKey) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const response = await fetch(`${urls.preview}?form=${encodeURIComponent(formKey)}`, { credentials: 'same-origin' });
  if (previewed !== formKey) return;
  box.innerHTML = response.ok ? await response.text() : '';
  box.hidden = !response.ok;
}

const root = document.getElementById('workbench');
if (root) {
  main(root).catch((error) => {
    root.dataset.ready = 'error';
    const notice = document.getElementById('workbench-notice');
    notice.hidden = false;
    notice.textContent = String(error.message || error);
  });
}
