// The properties panel's groups for what this service's diagrams mean, with the choices the server offers
// (GET vocabulary): a user task's form, a service task's operator and parameters (each with its meaning),
// a lane's role, a timer's named time limit, a catch event's message, a call activity's process, a business
// rule task's decision table, a sequence flow's condition, and every element's names in both languages.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  Group, SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';
import { bodyOf, operatorOf, property, setBody, setOperator, setProperty } from './extensions';

const LIMIT = /^\s*(sla|sla_warning|sla_escalation)\(\s*["']([^"']+)["']\s*\)\s*$/;

function pick(pair, lang) {
  return (pair && (pair[lang] || pair.zh)) || '';
}

function tools() {
  return { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
}

function options(first, items) {
  return [{ value: '', label: first }, ...items];
}

// --- user tasks: the form -----------------------------------------------------------------------------------
function FormEntry({ element, id }) {
  const { forms } = useService('choices');
  const { texts, lang } = useService('words');
  const helpers = tools();
  const debounce = useService('debounceInput');
  return h(SelectEntry, {
    element, id, label: texts.form, debounce,
    getValue: () => property(getBusinessObject(element), 'formKey') || '',
    setValue: (value) => setProperty(element, 'formKey', value, helpers),
    getOptions: () => options(texts.chooseForm, forms.map((f) => ({ value: f.key, label: `${pick(f.title, lang)} · ${f.key}` }))),
    description: texts.formHelp,
  });
}

// --- service tasks: the operator and its parameters -----------------------------------------------------------
function OperatorEntry({ element, id }) {
  const { operators } = useService('choices');
  const { texts, lang } = useService('words');
  const helpers = tools();
  const current = operatorOf(getBusinessObject(element));
  const known = operators.find((o) => o.name === current.name);
  return h(SelectEntry, {
    element, id, label: texts.operator,
    getValue: () => operatorOf(getBusinessObject(element)).name,
    setValue: (value) => {
      const chosen = operators.find((o) => o.name === value);
      const kept = Object.fromEntries(Object.entries(operatorOf(getBusinessObject(element)).parameters)
        .filter(([name]) => chosen && (chosen.more_parameters || chosen.parameters.some((p) => p.name === name))));
      setOperator(element, value, kept, helpers);
    },
    getOptions: () => options(texts.chooseOperator, operators.map((o) => ({ value: o.name, label: `${pick(o.meaning, lang)} · ${o.name}` }))),
    description: known ? pick(known.meaning, lang) : texts.operatorHelp,
  });
}

function ParameterEntry({ element, id, parameter, operatorName }) {
  const { texts, lang } = useService('words');
  const helpers = tools();
  const debounce = useService('debounceInput');
  const getValue = () => operatorOf(getBusinessObject(element)).parameters[parameter.name] || '';
  const setValue = (value) => {
    const now = operatorOf(getBusinessObject(element));
    setOperator(element, operatorName, { ...now.parameters, [parameter.name]: value || '' }, helpers);
  };
  const label = `${parameter.name}${parameter.required ? ' *' : ''}`;
  const description = parameter.meaning ? pick(parameter.meaning, lang) : texts.stepParameter;
  if (parameter.choices) {
    return h(SelectEntry, {
      element, id, label, description, getValue, setValue,
      getOptions: () => options(texts.chooseValue, parameter.choices.map((c) => ({ value: `'${c}'`, label: c }))),
    });
  }
  return h(TextFieldEntry, { element, id, label, description: `${description} ${texts.expressionHelp}`, getValue, setValue, debounce });
}

function operatorEntries(element, choices) {
  const current = operatorOf(getBusinessObject(element));
  const entries = [{ id: 'service-operator', component: OperatorEntry, isEdited: isSelectEntryEdited }];
  const known = choices.operators.find((o) => o.name === current.name);
  if (!known) return entries;
  const named = known.parameters.map((p) => p.name);
  const extra = Object.keys(current.parameters).filter((name) => !named.includes(name))
    .map((name) => ({ name, required: false, meaning: null, choices: null }));
  for (const parameter of [...known.parameters, ...extra]) {
    entries.push({ id: `service-parameter-${parameter.name}`, component: ParameterEntry, parameter, operatorName: current.name,
      isEdited: isTextFieldEntryEdited });
  }
  return entries;
}

// --- lanes: the role ------------------------------------------------------------------------------------------
function RoleEntry({ element, id }) {
  const { roles } = useService('choices');
  const { texts, lang } = useService('words');
  const modeling = useService('modeling');
  return h(SelectEntry, {
    element, id, label: texts.role,
    getValue: () => (getBusinessObject(element).name || '').trim(),
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => options(texts.chooseRole, roles.map((r) => ({ value: r.id, label: `${pick(r.name, lang)} · ${r.id}` }))),
    description: texts.roleHelp,
  });
}

// --- timers: a named time limit -------------------------------------------------------------------------------
function timerDefinition(element) {
  return (getBusinessObject(element).eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

function timerExpression(element) {
  const definition = timerDefinition(element);
  const expression = definition && (definition.timeDate || definition.timeDuration || definition.timeCycle);
  return expression ? (expression.body || '') : '';
}

function setTimer(element, fn, name, bpmnFactory, commandStack) {
  const definition = timerDefinition(element);
  const timeDate = bpmnFactory.create('bpmn:FormalExpression', { body: `${fn}("${name}")` });
  timeDate.$parent = definition;
  commandStack.execute('element.updateModdleProperties', {
    element, moddleElement: definition, properties: { timeDate, timeDuration: undefined, timeCycle: undefined },
  });
}

function LimitFunctionEntry({ element, id }) {
  const { limit_functions: functions } = useService('choices');
  const { texts, lang } = useService('words');
  const { bpmnFactory, commandStack } = tools();
  const parsed = () => LIMIT.exec(timerExpression(element)) || [null, '', ''];
  return h(SelectEntry, {
    element, id, label: texts.limitFunction,
    getValue: () => parsed()[1],
    setValue: (value) => setTimer(element, value || 'sla', parsed()[2] || 'feedback', bpmnFactory, commandStack),
    getOptions: () => options(texts.chooseValue, functions.map((f) => ({ value: f.name, label: `${pick(f.meaning, lang)} · ${f.name}` }))),
    description: LIMIT.test(timerExpression(element)) || !timerExpression(element) ? texts.limitHelp
      : `${texts.otherExpression} ${timerExpression(element)}`,
  });
}

function LimitNameEntry({ element, id }) {
  const { time_limits: limits } = useService('choices');
  const { texts, lang } = useService('words');
  const { bpmnFactory, commandStack } = tools();
  const parsed = () => LIMIT.exec(timerExpression(element)) || [null, '', ''];
  return h(SelectEntry, {
    element, id, label: texts.limitName,
    getValue: () => parsed()[2],
    setValue: (value) => setTimer(element, parsed()[1] || 'sla', value, bpmnFactory, commandStack),
    getOptions: () => options(texts.chooseValue, limits.map((l) => ({ value: l.name, label: `${pick(l.label, lang)} · ${l.name} (${l.amount} ${l.unit})` }))),
  });
}

// --- message events -------------------------------------------------------------------------------------------
function messageDefinition(element) {
  return (getBusinessObject(element).eventDefinitions || []).find((d) => is(d, 'bpmn:MessageEventDefinition'));
}

function definitionsOf(bo) {
  let node = bo;
  while (node && !is(node, 'bpmn:Definitions')) node = node.$parent;
  return node;
}

function MessageEntry({ element, id }) {
  const { messages } = useService('choices');
  const { texts, lang } = useService('words');
  const { bpmnFactory, commandStack } = tools();
  const definition = messageDefinition(element);
  const current = definition && definition.messageRef ? definition.messageRef.name : '';
  const known = messages.find((m) => m.name === current);
  const fields = known ? Object.keys((known.schema && known.schema.properties) || {}).join(', ') : '';
  return h(SelectEntry, {
    element, id, label: texts.message,
    getValue: () => (messageDefinition(element).messageRef || {}).name || '',
    setValue: (value) => {
      const target = messageDefinition(element);
      const definitions = definitionsOf(getBusinessObject(element));
      const roots = definitions.get('rootElements');
      let message = roots.find((r) => is(r, 'bpmn:Message') && r.name === value);
      const cmds = [];
      if (!message && value) {
        message = bpmnFactory.create('bpmn:Message', { id: `Message_${value}`, name: value });
        message.$parent = definitions;
        cmds.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: definitions, properties: { rootElements: [...roots, message] } } });
      }
      cmds.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: target, properties: { messageRef: message || undefined } } });
      commandStack.execute('properties-panel.multi-command-executor', cmds);
    },
    getOptions: () => options(texts.chooseMessage, messages.map((m) => ({ value: m.name, label: `${pick(m.label, lang)} · ${m.name}` }))),
    description: fields ? `${texts.payload} ${fields}` : texts.messageHelp,
  });
}

function MessageVariableEntry({ element, id }) {
  const { texts } = useService('words');
  const helpers = tools();
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label: texts.messageVariable, debounce, description: texts.messageVariableHelp,
    getValue: () => bodyOf(messageDefinition(element), 'spiffworkflow:MessageVariable'),
    setValue: (value) => setBody(element, messageDefinition(element), 'spiffworkflow:MessageVariable', value || '', helpers),
  });
}

// --- call activities and business rule tasks ------------------------------------------------------------------
function CalledProcessEntry({ element, id }) {
  const { processes } = useService('choices');
  const { texts, lang } = useService('words');
  const modeling = useService('modeling');
  return h(SelectEntry, {
    element, id, label: texts.calledProcess,
    getValue: () => getBusinessObject(element).calledElement || '',
    setValue: (value) => modeling.updateProperties(element, { calledElement: value || undefined }),
    getOptions: () => options(texts.chooseProcess, processes.map((p) => ({ value: p.key, label: `${pick(p.name, lang)} · ${p.key} v${p.version}` }))),
  });
}

function DecisionEntry({ element, id }) {
  const { decisions } = useService('choices');
  const { texts, lang } = useService('words');
  const helpers = tools();
  return h(SelectEntry, {
    element, id, label: texts.decision,
    getValue: () => bodyOf(getBusinessObject(element), 'spiffworkflow:CalledDecisionId'),
    setValue: (value) => setBody(element, getBusinessObject(element), 'spiffworkflow:CalledDecisionId', value || '', helpers),
    getOptions: () => options(texts.chooseDecision, decisions.map((d) => ({ value: d.key, label: `${pick(d.name, lang)} · ${d.key} v${d.version}` }))),
  });
}

// --- sequence flows: the condition ----------------------------------------------------------------------------
function ConditionEntry({ element, id }) {
  const { texts } = useService('words');
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element, id, label: texts.condition, debounce, rows: 2, monospace: true, description: texts.conditionHelp,
    getValue: () => (getBusinessObject(element).conditionExpression || {}).body || '',
    setValue: (value) => modeling.updateProperties(element, {
      conditionExpression: value ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined,
    }),
  });
}

// --- names and instructions in both languages (the catalogue) -------------------------------------------------
function EnglishNameEntry({ element, id }) {
  const { texts } = useService('words');
  const catalogue = useService('catalogue');
  const debounce = useService('debounceInput');
  const key = element.id;
  return h(TextFieldEntry, {
    element, id, label: texts.nameEn, debounce, description: texts.nameEnHelp,
    getValue: () => catalogue.get(key).en || '',
    setValue: (value) => catalogue.set(key, 'en', value || ''),
  });
}

function ChineseInstructionsEntry({ element, id }) {
  const { texts } = useService('words');
  const catalogue = useService('catalogue');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element, id, label: texts.instructionsZh, debounce, rows: 4, description: texts.instructionsHelp,
    getValue: () => ((catalogue.get(element.id).instructions || {}).zh) || '',
    setValue: (value) => catalogue.setInstructions(element.id, value || ''),
  });
}

function group(id, label, entries) {
  return { id, label, component: Group, entries };
}

export default function ServiceChoicesProvider(propertiesPanel, choices, words) {
  propertiesPanel.registerProvider(400, this);
  this._choices = choices;
  this._words = words;
}
ServiceChoicesProvider.$inject = ['propertiesPanel', 'choices', 'words'];

ServiceChoicesProvider.prototype.getGroups = function getGroups(element) {
  const { texts } = this._words;
  const choices = this._choices;
  return (groups) => {
    const bo = getBusinessObject(element);
    const ours = [];
    if (isAny(element, ['bpmn:UserTask', 'bpmn:ManualTask'])) {
      ours.push(group('service-form', texts.groupForm, [{ id: 'service-form-key', component: FormEntry, isEdited: isSelectEntryEdited }]));
    }
    if (is(element, 'bpmn:ServiceTask')) ours.push(group('service-operator', texts.groupOperator, operatorEntries(element, choices)));
    if (is(element, 'bpmn:Lane')) ours.push(group('service-role', texts.groupRole, [{ id: 'service-role', component: RoleEntry, isEdited: isSelectEntryEdited }]));
    if (timerDefinition(element)) {
      ours.push(group('service-limit', texts.groupLimit, [
        { id: 'service-limit-function', component: LimitFunctionEntry, isEdited: isSelectEntryEdited },
        { id: 'service-limit-name', component: LimitNameEntry, isEdited: isSelectEntryEdited }]));
    }
    if (messageDefinition(element)) {
      ours.push(group('service-message', texts.groupMessage, [
        { id: 'service-message-name', component: MessageEntry, isEdited: isSelectEntryEdited },
        { id: 'service-message-variable', component: MessageVariableEntry, isEdited: isTextFieldEntryEdited }]));
    }
    if (is(element, 'bpmn:CallActivity')) {
      ours.push(group('service-called', texts.groupCalled, [{ id: 'service-called-process', component: CalledProcessEntry, isEdited: isSelectEntryEdited }]));
    }
    if (is(element, 'bpmn:BusinessRuleTask')) {
      ours.push(group('service-decision', texts.groupDecision, [{ id: 'service-decision', component: DecisionEntry, isEdited: isSelectEntryEdited }]));
    }
    if (is(element, 'bpmn:SequenceFlow') && bo.sourceRef && isAny(bo.sourceRef, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'])) {
      ours.push(group('service-condition', texts.groupCondition, [{ id: 'service-condition', component: ConditionEntry, isEdited: isTextAreaEntryEdited }]));
    }
    const names = [];
    if (!is(element, 'bpmn:Lane') && (bo.name !== undefined || isAny(element, ['bpmn:FlowNode', 'bpmn:SequenceFlow', 'bpmn:Participant']))) {
      names.push({ id: 'service-name-en', component: EnglishNameEntry, isEdited: isTextFieldEntryEdited });
    }
    if (isAny(element, ['bpmn:UserTask', 'bpmn:ManualTask'])) {
      names.push({ id: 'service-instructions-zh', component: ChineseInstructionsEntry, isEdited: isTextAreaEntryEdited });
    }
    if (names.length) ours.push(group('service-names', texts.groupNames, names));
    const replaced = new Set(['timer', 'message']);
    const kept = groups.filter((g) => !replaced.has(g.id));
    const general = kept.findIndex((g) => g.id === 'general');
    kept.splice(general + 1, 0, ...ours);
    return kept;
  };
};
