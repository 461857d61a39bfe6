// Reading and writing this service's extension elements (spiffworkflow:*) on a diagram element, through the
// modeler's command stack so that every change can be undone and reaches the autosave.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export function extension(bo, type) {
  const values = (bo && bo.extensionElements && bo.extensionElements.get('values')) || [];
  return values.find((value) => is(value, type));
}

export function property(bo, name) {
  const properties = extension(bo, 'spiffworkflow:Properties');
  const found = properties && properties.get('properties').find((p) => p.name === name);
  return found ? found.value : undefined;
}

// Commands that make sure `bo` has an extension of `type` (created with `attrs` when missing): [element, cmds].
function ensure(element, bo, type, attrs, bpmnFactory) {
  const cmds = [];
  let container = bo.extensionElements;
  if (!container) {
    container = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    container.$parent = bo;
    cmds.push(update(element, bo, { extensionElements: container }));
  }
  let found = container.get('values').find((value) => is(value, type));
  if (!found) {
    found = bpmnFactory.create(type, attrs);
    found.$parent = container;
    cmds.push(update(element, container, { values: [...container.get('values'), found] }));
  }
  return [found, cmds];
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

function run(commandStack, cmds) {
  if (cmds.length) commandStack.execute('properties-panel.multi-command-executor', cmds);
}

export function setProperty(element, name, value, { bpmnFactory, commandStack }) {
  const bo = getBusinessObject(element);
  const [properties, cmds] = ensure(element, bo, 'spiffworkflow:Properties', { properties: [] }, bpmnFactory);
  const found = properties.get('properties').find((p) => p.name === name);
  if (found) {
    cmds.push(update(element, found, { value }));
  } else {
    const created = bpmnFactory.create('spiffworkflow:Property', { name, value });
    created.$parent = properties;
    cmds.push(update(element, properties, { properties: [...properties.get('properties'), created] }));
  }
  run(commandStack, cmds);
}

// The operator of a service task and its parameters ({name: expression}; parameters with an empty
// expression are left out).
export function operatorOf(bo) {
  const operator = extension(bo, 'spiffworkflow:ServiceTaskOperator');
  if (!operator) return { name: '', parameters: {} };
  const list = operator.parameterList ? operator.parameterList.get('parameters') : [];
  return { name: operator.id || '', parameters: Object.fromEntries(list.map((p) => [p.id, p.value || ''])) };
}

export function setOperator(element, name, parameters, { bpmnFactory, commandStack }) {
  const bo = getBusinessObject(element);
  const [operator, cmds] = ensure(element, bo, 'spiffworkflow:ServiceTaskOperator', { id: name }, bpmnFactory);
  const list = bpmnFactory.create('spiffworkflow:Parameters', { parameters: [] });
  list.$parent = operator;
  const items = Object.entries(parameters).filter(([, value]) => value !== '' && value != null).map(([id, value]) => {
    const item = bpmnFactory.create('spiffworkflow:Parameter', { id, type: 'any', value });
    item.$parent = list;
    return item;
  });
  list.set('parameters', items);
  cmds.push(update(element, operator, { id: name, parameterList: list }));
  run(commandStack, cmds);
}

export function bodyOf(bo, type) {
  const found = extension(bo, type);
  return found ? (found.value || '').trim() : '';
}

export function setBody(element, moddleElement, type, value, { bpmnFactory, commandStack }) {
  const [found, cmds] = ensure(element, moddleElement, type, { value }, bpmnFactory);
  cmds.push(update(element, found, { value }));
  run(commandStack, cmds);
}
