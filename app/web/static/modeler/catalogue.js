// The diagram's catalogue: each element's names in Chinese and English and a task's instructions in both
// (processes/translations/<key>.json's shape). The Chinese name is the element's own name in the diagram and the
// English instructions are its documentation; the English name and the Chinese instructions are kept here and
// saved with the draft.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export default function Catalogue(eventBus) {
  this._bus = eventBus;
  this._entries = {};
}
Catalogue.$inject = ['eventBus'];

Catalogue.prototype.load = function load(entries) {
  this._entries = JSON.parse(JSON.stringify(entries || {}));
};

Catalogue.prototype.get = function get(id) {
  return this._entries[id] || {};
};

Catalogue.prototype.set = function set(id, language, value) {
  this._entries[id] = { ...this.get(id), [language]: value };
  this._bus.fire('catalogue.changed', { id });
};

Catalogue.prototype.setInstructions = function setInstructions(id, zh) {
  const entry = this.get(id);
  this._entries[id] = { ...entry, instructions: { ...(entry.instructions || {}), zh } };
  this._bus.fire('catalogue.changed', { id });
};

function documentation(bo) {
  const docs = (bo.documentation || []).map((d) => d.text || '').join('\n').trim();
  return docs || undefined;
}

function clean(entry) {
  const out = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value === undefined || value === '' || (typeof value === 'object' && !Object.keys(clean(value)).length)) continue;
    out[key] = typeof value === 'object' ? clean(value) : value;
  }
  return out;
}

// The catalogue as saved: an entry for every element still in the diagram, its Chinese name and English
// instructions read from the diagram itself.
Catalogue.prototype.entries = function entries(elementRegistry, xml) {
  const out = {};
  const businessObjects = new Map();
  for (const element of elementRegistry.getAll()) {
    const bo = getBusinessObject(element);
    if (bo && bo.id) businessObjects.set(bo.id, bo);
    if (is(element, 'bpmn:Participant') && bo.processRef) businessObjects.set(bo.processRef.id, bo.processRef);
  }
  for (const [id, entry] of Object.entries(this._entries)) {
    if (!businessObjects.has(id) && xml.includes(`id="${id}"`)) out[id] = clean(entry);
  }
  for (const [id, bo] of businessObjects) {
    const entry = { ...this.get(id) };
    if (bo.name) entry.zh = bo.name;
    if (entry.instructions || documentation(bo)) {
      entry.instructions = { ...(entry.instructions || {}), en: documentation(bo) };
    }
    const cleaned = clean(entry);
    if (Object.keys(cleaned).length) out[id] = cleaned;
  }
  return out;
};
