// @ts-check
// The results webview: tabs per result set and a virtually scrolled grid. It never holds a whole result:
// it asks the extension for windows of rows by index (requestRows) and keeps a small page cache.
// Message types: src/core/query/resultsMessages.ts.
(function () {
  /** @typedef {import('../src/core/query/resultsMessages').ResultsUpdate} ResultsUpdate */
  /** @typedef {import('../src/core/query/resultsMessages').ResultsRequest} ResultsRequest */
  /** @typedef {import('../src/core/query/resultsMessages').ResultSetView} ResultSetView */
  /** @typedef {import('../src/core/query/cells').DisplayCell} Cell */
  // @ts-ignore acquireVsCodeApi is provided by the webview host.
  const vscode = acquireVsCodeApi();
  /** @param {ResultsRequest} request */
  const post = (request) => vscode.postMessage(request);

  const ROW_H = 24;
  const PAGE = 100;
  const MAX_CACHED_PAGES = 40;
  // Browsers cap element heights (~16-33 M px); past this the scroll position maps proportionally to rows.
  const MAX_SCROLL_PX = 8_000_000;
  const ROWNUM_W = 72;

  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const els = {
    binding: $('binding'), tls: $('tls'), state: $('state'), cancel: /** @type {HTMLButtonElement} */ ($('cancel')),
    tabs: $('tabs'), result: $('result'), rowcount: $('rowcount'), grid: $('grid'), head: $('grid-head'),
    viewport: $('viewport'), spacer: $('spacer'), body: $('grid-body'), statements: $('statements'),
  };

  /** @type {{ view: ResultSetView; rowCount: number; complete: boolean; truncated?: string; widths: number[] }[]} */
  let sets = [];
  let current = -1;
  /** @type {Map<string, { rows: Cell[][]; at: number; error?: string }>} */
  const cache = new Map();
  /** @type {Map<number, string>} requestId -> page key */
  const pending = new Map();
  let nextRequest = 1;
  let active = { row: 0, col: 0 };
  let renderQueued = false;
  let running = false;

  const key = (/** @type {number} */ r, /** @type {number} */ p) => `${r}:${p}`;

  function reset() {
    sets = [];
    current = -1;
    cache.clear();
    pending.clear();
    active = { row: 0, col: 0 };
    els.tabs.textContent = '';
    els.statements.textContent = '';
    els.result.hidden = true;
    els.body.textContent = '';
    els.head.textContent = '';
    menu.hidden = true;
    more.setAttribute('aria-expanded', 'false');
  }

  /** `BIGINT UNSIGNED NOT NULL` under the column name. */
  const typeText = (/** @type {ResultSetView['columns'][number]} */ c) => `${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`;

  /** @param {ResultSetView} view */
  function columnWidths(view) {
    return view.columns.map((c) => {
      const base = Math.max(c.name.length, typeText(c).length + 1) * 8 + 24;
      const wide = /CHAR|TEXT|BLOB|BINARY|JSON|ENUM|SET|UUID|INET/.test(c.sqlType) ? 220 : 110;
      return Math.min(360, Math.max(80, Math.max(base, wide)));
    });
  }

  /** `Statement 2 (line 3) · 1,000 rows`; a statement with several result sets (a procedure) numbers them. */
  function tabLabel(/** @type {number} */ index) {
    const set = sets[index];
    const siblings = sets.filter((s) => s && s.view.statementIndex === set.view.statementIndex);
    const part = siblings.length > 1 ? ` · result ${siblings.indexOf(set) + 1}` : '';
    const count = `${set.rowCount.toLocaleString('en-US')} row${set.rowCount === 1 ? '' : 's'}${set.complete ? '' : '…'}`;
    return `${set.view.label}${part} · ${count}${set.truncated ? ' · ⚠ truncated' : ''}`;
  }

  function addTab(/** @type {number} */ index) {
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.className = 'tab';
    tab.setAttribute('role', 'tab');
    tab.id = `tab-${index}`;
    tab.dataset.index = String(index);
    tab.addEventListener('click', () => select(index));
    els.tabs.appendChild(tab);
    // An earlier tab of the same statement gets its "result 1" once a second result set arrives.
    for (const t of Array.from(els.tabs.children)) t.textContent = tabLabel(Number(/** @type {HTMLElement} */ (t).dataset.index));
  }

  function select(/** @type {number} */ index) {
    current = index;
    active = { row: 0, col: 0 };
    for (const t of Array.from(els.tabs.children)) t.setAttribute('aria-selected', String(t.id === `tab-${index}`));
    const set = sets[index];
    els.result.hidden = false;
    els.grid.setAttribute('aria-colcount', String(set.view.columns.length + 1));
    renderHead();
    els.viewport.scrollTop = 0;
    els.viewport.scrollLeft = 0;
    updateSize();
    scheduleRender();
  }

  function totalWidth(/** @type {number[]} */ widths) {
    return ROWNUM_W + widths.reduce((a, b) => a + b, 0);
  }

  function renderHead() {
    const set = sets[current];
    els.head.textContent = '';
    const row = document.createElement('div');
    row.className = 'row head';
    row.setAttribute('role', 'row');
    row.appendChild(headCell('#', '', ROWNUM_W));
    set.view.columns.forEach((c, i) => row.appendChild(headCell(c.name, typeText(c), set.widths[i])));
    row.style.width = `${totalWidth(set.widths)}px`;
    els.head.appendChild(row);
  }

  function headCell(/** @type {string} */ name, /** @type {string} */ type, /** @type {number} */ width) {
    const cell = document.createElement('div');
    cell.className = 'cell';
    cell.setAttribute('role', 'columnheader');
    cell.style.width = `${width}px`;
    const n = document.createElement('span');
    n.className = 'col-name';
    n.textContent = name;
    cell.appendChild(n);
    if (type) {
      const t = document.createElement('span');
      t.className = 'col-type';
      t.textContent = type;
      cell.appendChild(t);
      cell.title = `${name}: ${type}`;
    }
    return cell;
  }

  function updateSize() {
    const set = sets[current];
    if (!set) return;
    const h = Math.min(set.rowCount * ROW_H, MAX_SCROLL_PX);
    els.spacer.style.height = `${h}px`;
    els.spacer.style.width = `${totalWidth(set.widths)}px`;
    els.grid.setAttribute('aria-rowcount', String(set.rowCount + 1));
    els.rowcount.textContent = `${set.rowCount.toLocaleString('en-US')} row${set.rowCount === 1 ? '' : 's'}${set.complete ? '' : ' so far…'} · ${set.view.columns.length} column${set.view.columns.length === 1 ? '' : 's'}${set.truncated ? ` · ⚠ ${set.truncated}` : ''}`;
    els.rowcount.title = els.rowcount.textContent;
    els.rowcount.classList.toggle('truncated', Boolean(set.truncated));
  }

  /** The first row shown and the pixel offset of the body, from the scroll position. */
  function firstVisible() {
    const set = sets[current];
    const visible = Math.ceil(els.viewport.clientHeight / ROW_H);
    const full = set.rowCount * ROW_H;
    const top = els.viewport.scrollTop;
    if (full <= MAX_SCROLL_PX) return { first: Math.floor(top / ROW_H), offset: top - (top % ROW_H), visible };
    // Rows that fit whole: at the bottom of the scroll range the last row must be fully visible.
    const fits = Math.max(1, Math.floor(els.viewport.clientHeight / ROW_H));
    const range = Math.max(1, MAX_SCROLL_PX - els.viewport.clientHeight);
    const ratio = top >= range - 1 ? 1 : top / range;
    const maxFirst = Math.max(0, set.rowCount - fits);
    const first = Math.min(maxFirst, Math.floor(ratio * maxFirst));
    return { first, offset: top, visible };
  }

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      render();
    });
  }

  /** @returns {Cell[] | string | undefined} the row, the error that made its page unreadable, or not yet here */
  function rowAt(/** @type {number} */ resultIndex, /** @type {number} */ row) {
    const page = cache.get(key(resultIndex, Math.floor(row / PAGE)));
    if (!page) return undefined;
    return page.rows[row % PAGE] ?? page.error;
  }

  function ensurePages(/** @type {number} */ first, /** @type {number} */ last) {
    const set = sets[current];
    const fromPage = Math.floor(Math.max(0, first - PAGE / 2) / PAGE);
    const toPage = Math.floor(Math.min(set.rowCount - 1, last + PAGE / 2) / PAGE);
    for (let p = fromPage; p <= toPage; p++) {
      const k = key(current, p);
      const have = cache.get(k);
      const expected = Math.min(PAGE, set.rowCount - p * PAGE);
      if ((have && (have.error || have.rows.length >= expected)) || [...pending.values()].includes(k)) continue;
      const requestId = nextRequest++;
      pending.set(requestId, k);
      post({ type: 'requestRows', requestId, resultIndex: current, start: p * PAGE, count: PAGE });
    }
  }

  function evict() {
    if (cache.size <= MAX_CACHED_PAGES) return;
    const { first } = firstVisible();
    const center = Math.floor(first / PAGE);
    const entries = [...cache.entries()].sort((a, b) => {
      const da = Math.abs(Number(a[0].split(':')[1]) - center) + (Number(a[0].split(':')[0]) === current ? 0 : 1e9);
      const db = Math.abs(Number(b[0].split(':')[1]) - center) + (Number(b[0].split(':')[0]) === current ? 0 : 1e9);
      return db - da;
    });
    while (cache.size > MAX_CACHED_PAGES && entries.length) cache.delete(/** @type {string} */ (entries.shift())[0]);
  }

  const HEX = (/** @type {string} */ b64, /** @type {number | undefined} */ fullBytes) => {
    const bin = atob(b64);
    const full = fullBytes ?? bin.length;
    let out = '';
    for (let i = 0; i < Math.min(bin.length, 32); i++) out += bin.charCodeAt(i).toString(16).padStart(2, '0').toUpperCase();
    return `0x${out}${full > 32 ? `… (${full.toLocaleString('en-US')} bytes)` : ''}`;
  };

  // Cells arrive cut by the extension (CELL_DISPLAY_CHARS in src/core/query/cells.ts) with their full length:
  // the grid shows them as they come; Copy asks the extension, which reads the full value.
  function fillCell(/** @type {HTMLElement} */ el, /** @type {Cell | undefined} */ value) {
    if (value === undefined) {
      el.className = 'cell loading';
      el.textContent = '…';
    } else if (value === null) {
      el.className = 'cell null';
      el.textContent = 'NULL';
    } else if (typeof value === 'number') {
      el.className = 'cell number';
      el.textContent = String(value);
    } else if (typeof value === 'string' || 'cut' in value) {
      const text = typeof value === 'string' ? value : `${value.cut}…`;
      el.className = typeof value === 'string' ? 'cell' : 'cell cut';
      el.textContent = text.replace(/\r?\n/g, '⏎');
      if (value === '') el.classList.add('empty');
      if (typeof value === 'object') el.title = `Cut for display: ${value.length.toLocaleString('en-US')} characters in full (Copy gives the full value)`;
    } else {
      el.className = 'cell binary';
      el.textContent = HEX(value.binary, 'length' in value ? value.length : undefined);
    }
  }

  function render() {
    const set = sets[current];
    if (!set) return;
    const { first, offset, visible } = firstVisible();
    const last = Math.min(set.rowCount - 1, first + visible);
    ensurePages(first, last);
    const frag = document.createDocumentFragment();
    for (let r = first; r <= last; r++) {
      const row = document.createElement('div');
      row.className = 'row';
      row.setAttribute('role', 'row');
      row.setAttribute('aria-rowindex', String(r + 2));
      row.style.width = `${totalWidth(set.widths)}px`;
      const num = document.createElement('div');
      num.className = 'cell rownum';
      num.setAttribute('role', 'rowheader');
      num.style.width = `${ROWNUM_W}px`;
      num.textContent = String(r + 1);
      row.appendChild(num);
      const values = rowAt(current, r);
      set.view.columns.forEach((_c, i) => {
        const cell = document.createElement('div');
        if (typeof values === 'string') {
          cell.className = 'cell unreadable';
          cell.textContent = '⚠ unreadable';
          cell.title = values;
        } else fillCell(cell, values ? values[i] : undefined);
        cell.setAttribute('role', 'gridcell');
        cell.id = `cell-${r}-${i}`;
        cell.dataset.row = String(r);
        cell.dataset.col = String(i);
        cell.style.width = `${set.widths[i]}px`;
        if (r === active.row && i === active.col) {
          cell.classList.add('active');
          cell.setAttribute('aria-selected', 'true');
        }
        row.appendChild(cell);
      });
      frag.appendChild(row);
    }
    els.body.textContent = '';
    els.body.appendChild(frag);
    els.body.style.transform = `translateY(${offset}px)`;
    if (set.rowCount > 0) els.grid.setAttribute('aria-activedescendant', `cell-${active.row}-${active.col}`);
    els.head.scrollLeft = els.viewport.scrollLeft;
  }

  function scrollToActive() {
    const set = sets[current];
    const { first, visible } = firstVisible();
    const full = set.rowCount * ROW_H;
    if (active.row < first || active.row >= first + visible - 1) {
      if (full <= MAX_SCROLL_PX) {
        els.viewport.scrollTop = active.row < first ? active.row * ROW_H : (active.row - visible + 2) * ROW_H;
      } else {
        const range = Math.max(1, MAX_SCROLL_PX - els.viewport.clientHeight);
        const fits = Math.max(1, Math.floor(els.viewport.clientHeight / ROW_H));
        const target = active.row < first ? active.row : active.row - fits + 1;
        els.viewport.scrollTop = (Math.max(0, target) / Math.max(1, set.rowCount - fits)) * range;
      }
    }
    let left = ROWNUM_W;
    for (let i = 0; i < active.col; i++) left += set.widths[i];
    const right = left + set.widths[active.col];
    if (left < els.viewport.scrollLeft + ROWNUM_W) els.viewport.scrollLeft = left - ROWNUM_W;
    else if (right > els.viewport.scrollLeft + els.viewport.clientWidth) els.viewport.scrollLeft = right - els.viewport.clientWidth;
    scheduleRender();
  }

  const copy = (/** @type {boolean} */ wholeRow) => {
    if (current < 0 || sets[current].rowCount === 0) return;
    post(wholeRow ? { type: 'copy', resultIndex: current, row: active.row } : { type: 'copy', resultIndex: current, row: active.row, column: active.col });
  };

  els.grid.addEventListener('keydown', (event) => {
    const set = sets[current];
    if (!set) return;
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && (event.key === 'c' || event.key === 'C')) {
      copy(event.shiftKey);
      event.preventDefault();
      return;
    }
    const { visible } = firstVisible();
    const lastRow = Math.max(0, set.rowCount - 1);
    const lastCol = set.view.columns.length - 1;
    const moves = {
      ArrowDown: () => (active.row = Math.min(lastRow, active.row + 1)),
      ArrowUp: () => (active.row = Math.max(0, active.row - 1)),
      ArrowRight: () => (active.col = Math.min(lastCol, active.col + 1)),
      ArrowLeft: () => (active.col = Math.max(0, active.col - 1)),
      PageDown: () => (active.row = Math.min(lastRow, active.row + Math.max(1, visible - 1))),
      PageUp: () => (active.row = Math.max(0, active.row - Math.max(1, visible - 1))),
      Home: () => (ctrl ? (active.row = 0) : (active.col = 0)),
      End: () => (ctrl ? (active.row = lastRow) : (active.col = lastCol)),
    };
    const move = /** @type {Record<string, () => number>} */ (moves)[event.key];
    if (!move) return;
    event.preventDefault();
    move();
    scrollToActive();
  });

  els.body.addEventListener('click', (event) => {
    const cell = event.target instanceof Element ? event.target.closest('[data-row]') : null;
    if (!(cell instanceof HTMLElement)) return;
    active = { row: Number(cell.dataset.row), col: Number(cell.dataset.col) };
    els.grid.focus();
    scheduleRender();
  });

  els.viewport.addEventListener('scroll', () => scheduleRender(), { passive: true });
  window.addEventListener('resize', () => scheduleRender());
  els.cancel.addEventListener('click', () => post({ type: 'cancel' }));
  /** @type {Record<string, () => void>} */
  const actions = {
    'copy-cell': () => copy(false),
    'copy-row': () => copy(true),
    'export-csv': () => current >= 0 && post({ type: 'export', resultIndex: current, format: 'csv' }),
    'export-json': () => current >= 0 && post({ type: 'export', resultIndex: current, format: 'json' }),
  };
  $('export-csv').addEventListener('click', actions['export-csv']);
  $('export-json').addEventListener('click', actions['export-json']);

  // "More actions": a menu button (WAI-ARIA menu pattern) that holds every action of the result set.
  const more = $('more');
  const menu = $('more-menu');
  const menuItems = () => /** @type {HTMLElement[]} */ (Array.from(menu.querySelectorAll('[role="menuitem"]')));
  function openMenu(/** @type {boolean} */ open, /** @type {boolean} */ focusButton = false) {
    menu.hidden = !open;
    more.setAttribute('aria-expanded', String(open));
    if (open) menuItems()[0]?.focus();
    else if (focusButton) more.focus();
  }
  more.addEventListener('click', () => openMenu(menu.hidden));
  more.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown') return;
    event.preventDefault();
    openMenu(true);
  });
  menu.addEventListener('click', (event) => {
    const item = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    if (!(item instanceof HTMLElement)) return;
    openMenu(false, true);
    actions[item.dataset.action ?? '']?.();
  });
  menu.addEventListener('keydown', (event) => {
    const items = menuItems();
    const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (event.key === 'Escape') openMenu(false, true);
    else if (event.key === 'Tab') openMenu(false);
    else if (event.key === 'ArrowDown') items[(at + 1) % items.length]?.focus();
    else if (event.key === 'ArrowUp') items[(at - 1 + items.length) % items.length]?.focus();
    else if (event.key === 'Home') items[0]?.focus();
    else if (event.key === 'End') items[items.length - 1]?.focus();
    else return;
    if (event.key !== 'Tab') event.preventDefault();
  });
  document.addEventListener('mousedown', (event) => {
    if (!menu.hidden && event.target instanceof Node && !menu.contains(event.target) && !more.contains(event.target)) openMenu(false);
  });

  window.addEventListener('message', (event) => {
    /** @type {ResultsUpdate} */
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'reset':
        reset();
        document.title = m.title;
        els.binding.textContent = m.binding;
        els.binding.title = m.binding;
        els.tls.textContent = m.tls;
        els.tls.title = m.tls;
        break;
      case 'resultSet': {
        const view = m.resultSet;
        sets[view.resultIndex] = { view, rowCount: 0, complete: false, widths: columnWidths(view) };
        addTab(view.resultIndex);
        if (current < 0) select(view.resultIndex);
        break;
      }
      case 'rowCount': {
        const set = sets[m.resultIndex];
        if (!set) break;
        set.rowCount = m.rowCount;
        set.complete = m.complete;
        set.truncated = m.truncated;
        const tab = document.getElementById(`tab-${m.resultIndex}`);
        if (tab) tab.textContent = tabLabel(m.resultIndex);
        if (m.resultIndex === current) {
          updateSize();
          scheduleRender();
        }
        break;
      }
      case 'rows': {
        // A window may come in several parts (the extension caps each message); the last one ends the request.
        // requestId 0: the first page, pushed with the first row count (PUSHED_ROWS_REQUEST), not asked for.
        const k = m.requestId === 0 ? key(m.resultIndex, Math.floor(m.start / PAGE)) : pending.get(m.requestId);
        if (m.last) pending.delete(m.requestId);
        if (!k || !sets[m.resultIndex]) break;
        const pageStart = Number(k.split(':')[1]) * PAGE;
        const entry = cache.get(k) ?? { rows: [], at: Date.now() };
        if (m.start === pageStart) entry.rows = [];
        m.rows.forEach((row, i) => (entry.rows[m.start - pageStart + i] = row));
        entry.at = Date.now();
        if (m.error) {
          entry.error = m.error;
          els.state.textContent = `Rows ${(pageStart + 1).toLocaleString('en-US')}… cannot be shown: ${m.error}`;
          els.state.dataset.state = 'error';
        }
        cache.set(k, entry);
        evict();
        if (m.resultIndex === current) scheduleRender();
        // The pushed first page: say when it is on screen (the frame after the render; the stream waits for this).
        if (m.requestId === 0 && m.last) {
          const resultIndex = m.resultIndex;
          requestAnimationFrame(() => setTimeout(() => post({ type: 'painted', resultIndex }), 0));
        }
        break;
      }
      case 'statement': {
        const li = document.createElement('li');
        li.className = m.state;
        li.textContent = `${m.label}: ${m.summary}`;
        els.statements.appendChild(li);
        break;
      }
      case 'state':
        running = m.state === 'running';
        els.state.textContent = m.message;
        els.state.dataset.state = m.state;
        els.cancel.hidden = !running;
        document.body.dataset.state = m.state;
        break;
    }
  });

  post({ type: 'ready' });
})();
