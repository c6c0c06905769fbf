// @ts-check
// The TLS details webview: re-renders the body the extension sends and turns button clicks into typed
// requests. Message types: src/core/presentation/tlsDetailsMessages.ts.
(function () {
  /** @typedef {import('../src/core/presentation/tlsDetailsMessages').TlsDetailsRequest} TlsDetailsRequest */
  /** @typedef {import('../src/core/presentation/tlsDetailsMessages').TlsDetailsUpdate} TlsDetailsUpdate */
  // @ts-ignore acquireVsCodeApi is provided by the webview host.
  const vscode = acquireVsCodeApi();
  /** @param {TlsDetailsRequest} request */
  const post = (request) => vscode.postMessage(request);

  window.addEventListener('message', (event) => {
    /** @type {TlsDetailsUpdate} */
    const message = event.data;
    if (!message || message.type !== 'render') return;
    const root = document.getElementById('root');
    // The body is rendered (and every value escaped) by renderTlsDetailsBody in the extension.
    if (root) root.innerHTML = message.bodyHtml;
    document.title = message.title;
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    const action = target?.getAttribute('data-action');
    if (action) post(/** @type {TlsDetailsRequest} */ ({ type: 'action', action }));
  });

  post({ type: 'ready' });
})();
