// Lint while editing: a moment after each change the diagram is checked by the service (the deploy's own
// checks, nothing stored), the problems are listed in the page's language and the elements they concern are
// marked on the canvas; choosing a problem selects its element and scrolls to it.
import { send } from './http';

const PAUSE = 800;

export default class Problems {
  constructor(modeler, { url, csrf, lang, texts, file, list, summary }) {
    Object.assign(this, { modeler, url, csrf, lang, texts, file, list, summary });
    this.timer = null;
    this.seq = 0;
    this.marked = [];
    this.problems = [];
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), PAUSE);
  }

  async run() {
    this.seq += 1;
    const mine = this.seq;
    const { xml } = await this.modeler.saveXML({ format: false });
    let answer;
    try {
      answer = await send('POST', this.url, { files: [{ name: this.file, content: xml }] }, this.csrf);
    } catch (error) {
      answer = { status: 0, body: null };
    }
    if (mine !== this.seq) return;  // a later check is on its way
    if (answer.status === 200 && answer.body) {
      this.show(answer.body.problems);
    } else {
      this.summary.textContent = this.texts.lintFailed;
    }
  }

  show(problems) {
    this.problems = problems || [];
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    const registry = this.modeler.get('elementRegistry');
    for (const id of this.marked) {
      if (registry.get(id)) {
        canvas.removeMarker(id, 'lint-error');
        canvas.removeMarker(id, 'lint-warning');
      }
    }
    overlays.remove({ type: 'lint' });
    this.marked = [];
    this.list.replaceChildren();
    const errors = this.problems.filter((p) => p.severity === 'error').length;
    const warnings = this.problems.length - errors;
    this.summary.textContent = this.problems.length
      ? this.texts.problemsSummary.replace('{errors}', errors).replace('{warnings}', warnings) : this.texts.noProblems;
    this.summary.dataset.errors = String(errors);
    this.summary.dataset.warnings = String(warnings);
    const counts = new Map();
    for (const problem of this.problems) {
      const item = document.createElement('li');
      item.className = `problem problem-${problem.severity}`;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      const badge = document.createElement('span');
      badge.className = `severity severity-${problem.severity}`;
      badge.textContent = problem.severity === 'error' ? this.texts.error : this.texts.warning;
      const text = document.createElement('span');
      text.textContent = (problem.message && (problem.message[this.lang] || problem.message.en)) || problem.code;
      button.append(badge, ' ', text);
      const element = problem.element_id && (problem.file === this.file || !problem.file) ? registry.get(problem.element_id) : null;
      if (element) {
        item.dataset.element = problem.element_id;
        button.addEventListener('click', () => this.reveal(problem.element_id));
        const worst = counts.get(problem.element_id);
        counts.set(problem.element_id, { n: (worst ? worst.n : 0) + 1, error: (worst && worst.error) || problem.severity === 'error' });
      } else {
        button.disabled = true;
      }
      item.append(button);
      this.list.append(item);
    }
    for (const [id, { n, error }] of counts) {
      canvas.addMarker(id, error ? 'lint-error' : 'lint-warning');
      const badge = document.createElement('span');
      badge.className = `lint-badge ${error ? 'lint-badge-error' : 'lint-badge-warning'}`;
      badge.textContent = String(n);
      badge.title = error ? this.texts.error : this.texts.warning;
      overlays.add(id, 'lint', { position: { top: -10, right: 10 }, html: badge });
      this.marked.push(id);
    }
  }

  reveal(id) {
    const element = this.modeler.get('elementRegistry').get(id);
    if (!element) return;
    this.modeler.get('selection').select(element);
    this.modeler.get('canvas').scrollToElement(element);
  }
}
