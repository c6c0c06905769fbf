import { escapeHtml } from '../presentation/escape';

/**
 * The results webview's page: a strict CSP (scripts only with the nonce, styles and fonts only from the
 * extension), the toolbar, tabs and grid containers. media/results.js fills the grid from row windows.
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
  <div class="result-toolbar">
    <span id="rowcount" class="rowcount"></span>
    <span class="spacer"></span>
    <button type="button" id="copy-cell" title="Copy the selected cell (Ctrl+C)">Copy cell</button>
    <button type="button" id="copy-row" title="Copy the selected row as tab-separated text (Ctrl+Shift+C)">Copy row</button>
    <button type="button" id="export-csv" title="Export this result set as CSV">Export CSV</button>
    <button type="button" id="export-json" title="Export this result set as JSON">Export JSON</button>
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
