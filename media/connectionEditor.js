// @ts-check
// The connection editor form: fills the fields from the extension's `init`, sends the values for validation
// as they change, and turns buttons and keys into typed requests. Message types:
// src/core/settings/editorMessages.ts. Every string from the extension is set as text or as a property value,
// never as markup.
(function () {
  /** @typedef {import('../src/core/settings/editorMessages').EditorRequest} EditorRequest */
  /** @typedef {import('../src/core/settings/editorMessages').EditorUpdate} EditorUpdate */
  /** @typedef {import('../src/core/settings/editorMessages').EditorProblem} EditorProblem */
  // @ts-ignore acquireVsCodeApi is provided by the webview host.
  const vscode = acquireVsCodeApi();
  /** @param {EditorRequest} request */
  const post = (request) => vscode.postMessage(request);
  let initialised = false;
  let restricted = false;

  /** @returns {HTMLElement[]} */
  const controls = () => Array.from(document.querySelectorAll('[data-field]'));
  /** @param {string} field */
  const control = (field) => /** @type {any} */ (document.querySelector(`[data-field="${CSS.escape(field)}"]`));

  /** Focuses a field (a fix's "Edit Connection…" opens at its setting); hidden sections are shown first. */
  function focusField(/** @type {string} */ field) {
    const el = control(field) || control('name');
    if (!el) return;
    const details = el.closest && el.closest('details');
    if (details) details.open = true;
    if (typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'center' });
    if (typeof el.focus === 'function') el.focus();
  }

  function readValues() {
    /** @type {Record<string, string | boolean>} */
    const values = {};
    for (const el of controls()) {
      const field = el.dataset.field || '';
      const any = /** @type {any} */ (el);
      values[field] = el.dataset.kind === 'checkbox' ? Boolean(any.checked) : String(any.value ?? '');
    }
    return /** @type {any} */ (values);
  }

  /** @param {Record<string, unknown>} values */
  function writeValues(values) {
    for (const el of controls()) {
      const field = el.dataset.field || '';
      if (!(field in values)) continue;
      const any = /** @type {any} */ (el);
      if (el.dataset.kind === 'checkbox') any.checked = values[field] === true;
      else any.value = String(values[field] ?? '');
    }
  }

  /** `a=x|y&b!=z`: every condition must hold. */
  function visible(/** @type {string} */ rule, /** @type {Record<string, unknown>} */ values) {
    return rule.split('&').every((condition) => {
      const negated = condition.includes('!=');
      const [field, options] = condition.split(negated ? '!=' : '=');
      const value = String(values[field || ''] ?? '');
      const match = (options || '').split('|').includes(value);
      return negated ? !match : match;
    });
  }

  function applyVisibility() {
    const values = readValues();
    for (const el of /** @type {HTMLElement[]} */ (Array.from(document.querySelectorAll('[data-show]')))) {
      el.hidden = !visible(el.dataset.show || '', values);
    }
  }

  /** @param {EditorProblem[]} problems */
  function showProblems(problems) {
    for (const el of /** @type {HTMLElement[]} */ (Array.from(document.querySelectorAll('[data-problem-for]')))) {
      el.textContent = '';
      el.className = 'problem';
    }
    for (const el of controls()) el.removeAttribute('invalid');
    const general = /** @type {HTMLElement} */ (document.getElementById('general-problems'));
    general.textContent = '';
    for (const p of problems) {
      let target = /** @type {HTMLElement | null} */ (document.querySelector(`[data-problem-for="${CSS.escape(p.field)}"]`));
      // A problem inside a hidden field, or about a field the form does not show, goes to the top.
      if (target && target.closest('[hidden]')) target = null;
      const line = document.createElement('div');
      line.textContent = target ? p.message : p.field ? `${p.field}: ${p.message}` : p.message;
      line.className = p.severity;
      (target || general).appendChild(line);
      if (target && p.severity === 'error') {
        target.classList.add('has-error');
        control(p.field)?.setAttribute('invalid', '');
      }
    }
  }

  let timer = 0;
  function scheduleValidate() {
    if (!initialised) return;
    clearTimeout(timer);
    timer = setTimeout(() => post({ type: 'validate', values: readValues() }), 250);
  }

  function setStatus(/** @type {string} */ text) {
    const status = document.getElementById('status');
    if (status) status.textContent = text;
  }

  function save() {
    if (!initialised) return;
    clearTimeout(timer);
    setStatus('Saving…');
    post({ type: 'save', values: readValues() });
  }

  /** @param {import('../src/core/settings/editorMessages').EditorTestResult} result */
  function showTestResult(result) {
    const root = /** @type {HTMLElement} */ (document.getElementById('test-result'));
    root.textContent = '';
    const heading = document.createElement('h2');
    heading.textContent = result.ok ? 'Test Connection: the connection works' : 'Test Connection: failed';
    root.appendChild(heading);
    const list = document.createElement('ul');
    list.className = 'steps';
    for (const step of result.steps) {
      const item = document.createElement('li');
      item.className = step.ok ? 'ok' : 'bad';
      const label = document.createElement('strong');
      label.textContent = `${step.ok ? '✓' : '✗'} ${step.label}: `;
      item.appendChild(label);
      item.appendChild(document.createTextNode(step.detail));
      list.appendChild(item);
    }
    root.appendChild(list);
    if (result.fix) {
      const fix = document.createElement('p');
      fix.textContent = `Fix: ${result.fix}`;
      root.appendChild(fix);
    }
  }

  window.addEventListener('message', (event) => {
    /** @type {EditorUpdate} */
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'init': {
        writeValues(message.values);
        restricted = message.restricted;
        document.title = message.title;
        const title = document.getElementById('title');
        if (title) title.textContent = message.title;
        const scope = document.getElementById('scope');
        if (scope) scope.textContent = `Saved to your ${message.scope === 'user' ? 'user' : 'workspace'} settings, where this connection is defined.`;
        const notices = /** @type {HTMLElement} */ (document.getElementById('notices'));
        notices.textContent = '';
        for (const n of message.notices) {
          const li = document.createElement('li');
          li.textContent = n;
          notices.appendChild(li);
        }
        const test = document.querySelector('[data-action="test"]');
        if (restricted && test) test.setAttribute('disabled', '');
        initialised = true;
        applyVisibility();
        post({ type: 'validate', values: readValues() });
        focusField(message.focus || 'name');
        return;
      }
      case 'focus':
        focusField(message.field);
        return;
      case 'problems':
        showProblems(message.problems);
        if (message.problems.some((p) => p.severity === 'error')) setStatus('');
        return;
      case 'browsed': {
        const el = control(message.field);
        if (el) el.value = message.value;
        scheduleValidate();
        return;
      }
      case 'testing':
        setStatus('Testing…');
        return;
      case 'testResult':
        setStatus('');
        showTestResult(message.result);
        return;
      case 'saved':
        setStatus(message.message);
        return;
    }
  });

  document.addEventListener('input', () => {
    applyVisibility();
    scheduleValidate();
  });
  document.addEventListener('change', () => {
    applyVisibility();
    scheduleValidate();
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-action],[data-browse]') : null;
    if (!target || target.hasAttribute('disabled')) return;
    const browse = target.getAttribute('data-browse');
    if (browse) {
      post(/** @type {EditorRequest} */ ({ type: 'browse', field: browse }));
      return;
    }
    const action = target.getAttribute('data-action');
    if (action === 'save') save();
    else if (action === 'cancel') post({ type: 'cancel' });
    else if (action === 'setPassword') post({ type: 'setPassword' });
    else if (action === 'test' && initialised && !restricted) {
      clearTimeout(timer);
      post({ type: 'test', values: readValues() });
    }
  });

  // Enter in a text field saves; Escape anywhere cancels (an open drop-down handles its own Escape first).
  document.addEventListener('keydown', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (event.key === 'Enter' && target?.closest('vscode-textfield')) {
      event.preventDefault();
      save();
    } else if (event.key === 'Escape' && !event.defaultPrevented) {
      post({ type: 'cancel' });
    }
  });
  document.getElementById('form')?.addEventListener('submit', (event) => event.preventDefault());

  // The form is filled once its elements are defined (the elements bundle is a module script, run after this one).
  Promise.all(['vscode-textfield', 'vscode-single-select', 'vscode-checkbox', 'vscode-button'].map((n) => customElements.whenDefined(n))).then(() =>
    post({ type: 'ready' }),
  );
})();
