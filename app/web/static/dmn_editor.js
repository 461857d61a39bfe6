// The decision tables' editor: dmn-js's decision-table modeler, each cell checked by the service as the owner
// edits (bad cells marked, problems listed), a test panel evaluated by the service against the edited table,
// saving a new version and activating it. Every call sends the session's CSRF token.
(function () {
  'use strict';

  const root = document.getElementById('dmn-editor');
  if (!root || !window.DmnJS) return;
  const config = JSON.parse(root.dataset.config);
  const texts = JSON.parse(root.dataset.texts);
  const $ = (id) => document.getElementById(id);
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  const words = (pair) => (pair && typeof pair === 'object' ? pair[config.lang] || pair.zh || '' : String(pair ?? ''));

  // Cells are in the workflows' restricted expression language, not FEEL: with it as the default, dmn-js edits
  // them as plain text (its FEEL editor injects style elements the pages' content security policy refuses).
  const modeler = new window.DmnJS({
    container: '#dmn-canvas',
    common: { expressionLanguages: { options: [{ label: texts.language, value: 'python' }], defaults: { editor: 'python' } } },
  });
  let problems = [];
  let columns = config.columns;
  let checkTimer = null;
  let checking = 0;

  async function call(url, body) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': config.csrf },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    return { status: response.status, body: answer };
  }

  async function currentXml() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  function status(text, kind) {
    const line = $('decision-status');
    line.textContent = text;
    line.className = kind ? `flash ${kind}` : '';
  }

  // --- checking the cells -------------------------------------------------------------------------------

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 400);
  }

  async function check() {
    const mine = ++checking;
    $('decision-problems-summary').textContent = texts.checking;
    let answer;
    try {
      answer = await call(config.urls.check, { content: await currentXml() });
    } catch (error) {
      $('decision-problems-summary').textContent = texts.failed;
      return;
    }
    if (mine !== checking) return; // a later edit's check is on its way
    if (answer.status !== 200) {
      problems = (Array.isArray(answer.body.errors) ? answer.body.errors : []).map((p) => ({ severity: 'error', ...p }));
      if (!problems.length) problems = [{ severity: 'error', message: answer.body.message || texts.failed }];
    } else {
      problems = answer.body.problems;
      if (JSON.stringify(answer.body.columns) !== JSON.stringify(columns)) {
        columns = answer.body.columns;
        renderFields();
      }
    }
    showProblems();
  }

  function cellOf(id) {
    return id ? document.querySelector(`#dmn-canvas [data-element-id="${CSS.escape(id)}"]`) : null;
  }

  function showProblems() {
    const list = $('decision-problems-list');
    list.replaceChildren();
    document.querySelectorAll('#dmn-canvas .cell-problem').forEach((cell) => {
      cell.classList.remove('cell-problem');
      cell.removeAttribute('aria-invalid');
      cell.removeAttribute('title');
    });
    const errors = problems.filter((p) => p.severity === 'error').length;
    $('decision-problems-summary').textContent = problems.length
      ? fill(texts.problems, { n: problems.length }) : texts.no_problems;
    for (const problem of problems) {
      const item = document.createElement('li');
      item.className = `problem problem-${problem.severity}`;
      item.dataset.elementId = problem.element_id || '';
      const text = words(problem.message);
      const cell = cellOf(problem.element_id);
      if (cell) {
        cell.classList.add('cell-problem');
        cell.setAttribute('aria-invalid', 'true');
        cell.title = text;
        const link = document.createElement('button');
        link.type = 'button';
        link.className = 'link';
        link.textContent = text;
        link.addEventListener('click', () => { cell.scrollIntoView({ block: 'center' }); cell.click(); cell.focus(); });
        item.append(link);
      } else {
        item.textContent = text;
      }
      list.append(item);
    }
    $('decision-save').dataset.errors = String(errors);
  }

  // --- the test panel -----------------------------------------------------------------------------------

  function renderFields() {
    const box = $('decision-test-fields');
    const typed = {};
    box.querySelectorAll('[data-path]').forEach((input) => { typed[input.dataset.path] = input.value; });
    box.replaceChildren();
    columns.forEach((column, index) => {
      const field = document.createElement('div');
      field.className = 'field';
      const label = document.createElement('label');
      const id = `decision-input-${index}`;
      label.htmlFor = id;
      label.textContent = column.label;
      field.append(label);
      if (!column.path) {
        const note = document.createElement('p');
        note.className = 'muted';
        note.textContent = `${texts.not_readable} (${column.expression})`;
        field.append(note);
        box.append(field);
        return;
      }
      let input;
      if (column.choices.length || column.type === 'boolean') {
        input = document.createElement('select');
        const options = column.type === 'boolean'
          ? [{ value: 'true', label: texts.yes }, { value: 'false', label: texts.no }]
          : column.choices.map((choice) => ({ value: choice.value, label: `${words(choice.label)} (${choice.value})` }));
        input.append(new Option(texts.choose, ''));
        options.forEach((option) => input.append(new Option(option.label, option.value)));
      } else {
        input = document.createElement('input');
        input.type = column.type === 'number' ? 'number' : 'text';
        if (column.type === 'number') input.step = 'any';
      }
      input.id = id;
      input.dataset.path = column.path.join('.');
      input.dataset.type = column.type;
      input.value = typed[input.dataset.path] ?? '';
      field.append(input);
      box.append(field);
    });
  }

  function inputs() {
    const data = {};
    $('decision-test-fields').querySelectorAll('[data-path]').forEach((input) => {
      if (input.value === '') return;
      let value = input.value;
      if (input.dataset.type === 'number') value = Number(value);
      if (input.dataset.type === 'boolean') value = value === 'true';
      const path = input.dataset.path.split('.');
      let target = data;
      path.slice(0, -1).forEach((key) => { target = target[key] = target[key] || {}; });
      target[path[path.length - 1]] = value;
    });
    return data;
  }

  function describe(value) {
    if (typeof value === 'string' && config.roles[value]) return `${config.roles[value]} (${value})`;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  async function runTest(event) {
    event.preventDefault();
    const result = $('decision-test-result');
    result.textContent = texts.testing;
    let answer;
    try {
      answer = await call(config.urls.test, { content: await currentXml(), decision_id: config.key, inputs: inputs() });
    } catch (error) {
      result.textContent = texts.failed;
      return;
    }
    result.replaceChildren();
    if (answer.status !== 200) {
      const line = document.createElement('p');
      line.className = 'error';
      line.id = 'decision-test-error';
      line.textContent = answer.body.message || texts.failed;
      result.append(line);
      return;
    }
    const [first, ...others] = answer.body.matched_rules;
    if (!first) {
      result.append(Object.assign(document.createElement('p'), { textContent: texts.no_match }));
      return;
    }
    const head = document.createElement('p');
    head.id = 'decision-test-rule';
    head.dataset.rule = first.id;
    head.textContent = fill(texts.matched, { row: first.row, id: first.id }) + (first.description ? `: ${first.description}` : '');
    result.append(head);
    const outputs = document.createElement('dl');
    outputs.id = 'decision-test-outputs';
    Object.entries(answer.body.outputs).forEach(([name, value]) => {
      outputs.append(Object.assign(document.createElement('dt'), { textContent: name }));
      const shown = Object.assign(document.createElement('dd'), { textContent: describe(value) });
      shown.dataset.output = name;
      shown.dataset.value = typeof value === 'string' ? value : JSON.stringify(value);
      outputs.append(shown);
    });
    result.append(outputs);
    others.forEach((rule) => {
      result.append(Object.assign(document.createElement('p'), {
        className: 'muted', textContent: fill(texts.also_matched, { row: rule.row, id: rule.id }) }));
    });
  }

  // --- saving and activating ----------------------------------------------------------------------------

  async function save() {
    clearTimeout(checkTimer);
    await check();
    if (Number($('decision-save').dataset.errors || 0) > 0) {
      status(texts.fix_first, 'warn');
      return;
    }
    status(texts.saving);
    let answer;
    try {
      answer = await call(config.urls.save, { content: await currentXml() });
    } catch (error) {
      status(texts.failed, 'warn');
      return;
    }
    if (answer.status !== 200) {
      status(answer.body.message || texts.failed, 'warn');
      if (Array.isArray(answer.body.errors)) { problems = answer.body.errors.map((p) => ({ severity: 'error', ...p })); showProblems(); }
      return;
    }
    const { version, created, active } = answer.body;
    status(fill(created ? texts.saved : texts.unchanged, { version }), 'info');
    const button = $('decision-activate');
    button.hidden = active;
    button.dataset.version = String(version);
    button.textContent = fill(texts.activate, { version });
  }

  async function activate() {
    const button = $('decision-activate');
    const version = Number(button.dataset.version);
    button.disabled = true;
    let answer;
    try {
      answer = await call(config.urls.activate, { version });
    } catch (error) {
      status(texts.failed, 'warn');
      button.disabled = false;
      return;
    }
    button.disabled = false;
    if (answer.status !== 200) {
      status(answer.body.message || texts.failed, 'warn');
      return;
    }
    button.hidden = true;
    const processes = answer.body.processes.map((p) => `${p.key} v${p.version}`).join(', ');
    status(fill(processes ? texts.activated : texts.activated_none, { version, processes }), 'info');
  }

  async function open() {
    await modeler.importXML(config.xml);
    const view = modeler.getViews().find((v) => v.type === 'decisionTable' && v.element.id === config.key)
      || modeler.getViews().find((v) => v.type === 'decisionTable');
    if (view) await modeler.open(view);
    const viewer = modeler.getActiveViewer();
    viewer.get('eventBus').on('commandStack.changed', scheduleCheck);
    viewer.get('eventBus').on('elements.changed', () => setTimeout(showProblems, 0)); // marks survive a redraw
    renderFields();
    $('decision-test-form').addEventListener('submit', runTest);
    $('decision-save').addEventListener('click', save);
    $('decision-activate').addEventListener('click', activate);
    root.dataset.ready = 'true';
    await check();
  }

  open().catch((error) => status(`${texts.failed} (${error.message})`, 'warn'));
}());
