// @ts-check
// The Server Certificate webview: re-renders the body the extension sends and turns button clicks into typed
// requests. Message types: src/core/presentation/presentedCertificateHtml.ts.
(function () {
  /** @typedef {import('../src/core/presentation/presentedCertificateHtml').PresentedCertificateRequest} Request */
  // @ts-ignore acquireVsCodeApi is provided by the webview host.
  const vscode = acquireVsCodeApi();
  /** @param {Request} request */
  const post = (request) => vscode.postMessage(request);

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || message.type !== 'render') return;
    const root = document.getElementById('root');
    // The body is rendered (and every certificate field escaped) by renderPresentedCertificateBody in the extension.
    if (root) root.innerHTML = message.bodyHtml;
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    const action = target?.getAttribute('data-action');
    if (action) post(/** @type {Request} */ ({ type: 'action', action }));
  });

  post({ type: 'ready' });
})();
