import { escapeHtml } from '../presentation/escape';

/**
 * The results webview's page: a strict CSP (scripts only with the nonce, styles and fonts only from the
 * extension), the toolbar, tabs and grid containers. media/results.js fills the grid from row windows. Every
 * action is in the "More actions" menu, so none is cut off in a narrow panel; the export buttons also show
 * inline when there is room (a container query in media/results.css).
 */
export interface ResultsPageInput {
  nonce: string;
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

export function resultsCsp(nonce: string, cspSource: string): string {
  return [`default-src 'none'`, `style-src ${cspSource}`, `font-src ${cspSource}`, `img-src ${cspSource} data:`, `script-src 'nonce-${nonce}'`].join('; ');
}

export function renderResultsPage(input: ResultsPageInput): string {
  const nonce = escapeHtml(input.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${resultsCsp(input.nonce, input.cspSource).replace(/"/g, '')}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>${escapeHtml(input.title)}</title>
</head>
<body>
<header class="toolbar">
  <span class="binding" id="binding"></span>
  <span class="tls" id="tls"></span>
  <span class="spacer"></span>
  <span class="state" id="state" role="status" aria-live="polite">Waiting for a query…</span>
  <button type="button" id="cancel" class="danger" hidden title="Cancel the running statement (KILL QUERY over a second TLS session)">Cancel</button>
</header>
<nav class="tabs" id="tabs" role="tablist" aria-label="Result sets"></nav>
<section class="result" id="result" hidden>
  <div class="result-toolbar" id="result-toolbar">
    <span id="rowcount" class="rowcount"></span>
    <span class="spacer"></span>
    <button type="button" id="export-csv" class="wide-only" title="Export this result set as CSV">Export CSV</button>
    <button type="button" id="export-json" class="wide-only" title="Export this result set as JSON">Export JSON</button>
    <span class="menu-anchor">
      <button type="button" id="more" class="icon" aria-haspopup="menu" aria-expanded="false" aria-controls="more-menu" aria-label="More actions" title="More actions: copy, export">⋯</button>
      <div class="menu" id="more-menu" role="menu" aria-labelledby="more" hidden>
        <button type="button" role="menuitem" id="copy-cell" data-action="copy-cell">Copy Cell<span class="key">Ctrl+C</span></button>
        <button type="button" role="menuitem" id="copy-row" data-action="copy-row">Copy Row<span class="key">Ctrl+Shift+C</span></button>
        <button type="button" role="menuitem" id="menu-export-csv" data-action="export-csv">Export as CSV…</button>
        <button type="button" role="menuitem" id="menu-export-json" data-action="export-json">Export as JSON…</button>
      </div>
    </span>
  </div>
  <div class="grid" id="grid" role="grid" tabindex="0" aria-label="Result rows" aria-rowcount="0" aria-colcount="0">
    <div class="grid-head" id="grid-head" role="rowgroup"></div>
    <div class="grid-viewport" id="viewport">
      <div class="grid-spacer" id="spacer"></div>
      <div class="grid-body" id="grid-body" role="rowgroup"></div>
    </div>
  </div>
</section>
<ol class="statements" id="statements" aria-label="Statements"></ol>
<script nonce="${nonce}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>`;
}
