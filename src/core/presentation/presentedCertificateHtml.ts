import type { PresentedCertificate, PresentedChainAnalysis } from '../tls/presentedCertificate';
import { escapeHtml } from './escape';

/**
 * The "Server Certificate" page opened after a failed certificate check: what the server presented (subject,
 * issuer, SANs, validity, fingerprint), how it relates to the configured CA, and the fixes as buttons. Every
 * certificate field is hostile (a server picks its own subject and SANs): everything goes through escapeHtml.
 */

export type PresentedCertificateAction = 'trustCa' | 'importCa' | 'generateCertificates' | 'editConnection' | 'refetch';
export const PRESENTED_CERTIFICATE_ACTIONS: readonly PresentedCertificateAction[] = [
  'trustCa',
  'importCa',
  'generateCertificates',
  'editConnection',
  'refetch',
];

/** Webview -> extension. */
export type PresentedCertificateRequest = { type: 'ready' } | { type: 'action'; action: PresentedCertificateAction };

export function isPresentedCertificateRequest(value: unknown): value is PresentedCertificateRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; action?: unknown };
  if (v.type === 'ready') return true;
  return v.type === 'action' && typeof v.action === 'string' && (PRESENTED_CERTIFICATE_ACTIONS as readonly string[]).includes(v.action);
}

export interface PresentedCertificateModel {
  connectionName: string;
  /** The failure that led here (title and detail of the error). */
  failure?: { title: string; detail: string };
  /** The analysis, or why it could not be fetched. */
  analysis?: PresentedChainAnalysis;
  fetchError?: string;
  /** The connection is in the workspace settings (Trust this CA then writes there). */
  scope: string;
}

type Tone = 'ok' | 'warn' | 'bad';

function tag(text: string, tone: Tone): string {
  return `<span class="tag ${tone}">${escapeHtml(text)}</span>`;
}

function row(label: string, valueHtml: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;
}

function plainDay(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function day(iso: string): string {
  return escapeHtml(plainDay(iso));
}

function certificateHtml(cert: PresentedCertificate, index: number, analysis: PresentedChainAnalysis): string {
  const heading = cert.role === 'server' ? 'Server certificate' : `Certificate #${index + 1} sent with it${cert.isCA ? ' (a CA)' : ''}`;
  const validity =
    cert.daysLeft < 0
      ? tag(`expired ${-cert.daysLeft} day(s) ago`, 'bad')
      : new Date(cert.validFrom) > new Date(analysis.fetchedAt)
        ? tag('not valid yet', 'bad')
        : tag(`${cert.daysLeft} days left`, 'ok');
  const sans = cert.subjectAltNames.length
    ? cert.subjectAltNames.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')
    : '<em>none: this certificate names no host</em>';
  const names =
    cert.role === 'server' ? ` ${analysis.namesHost ? tag(`names ${analysis.verifyName}`, 'ok') : tag(`does not name ${analysis.verifyName}`, 'bad')}` : '';
  return `<section class="cert" data-certificate="${index}">
<h3>${escapeHtml(heading)}</h3>
<table>
${row('Subject', `<span data-field="subject">${escapeHtml(cert.subject)}</span>`)}
${row('Issuer', `<span data-field="issuer">${escapeHtml(cert.issuer)}</span>${cert.selfSigned ? ` ${tag('self-signed', 'warn')}` : ''}`)}
${row('Subject alternative names', `<span data-field="sans">${sans}</span>${names}`)}
${row('Valid', `<span data-field="validity">${day(cert.validFrom)} to ${day(cert.validTo)}</span> ${validity}`)}
${row('SHA-256 fingerprint', `<code class="fingerprint" data-field="fingerprint">${escapeHtml(cert.fingerprintSha256)}</code>`)}
${row('Key', escapeHtml(`${cert.keyType}${cert.keyBits ? ` ${cert.keyBits} bits` : ''}${cert.keyCurve ? ` ${cert.keyCurve}` : ''}${cert.signatureAlgorithm ? `, signed ${cert.signatureAlgorithm}` : ''}`))}
${row('Serial number', `<code>${escapeHtml(cert.serialNumber)}</code>`)}
</table>
</section>`;
}

function relationHtml(a: PresentedChainAnalysis): string {
  const r = a.relation;
  const text =
    r.kind === 'configured'
      ? 'Chains to the configured CA'
      : r.kind === 'cloud'
        ? `Does not chain to the configured CA; chains to ${r.bundle} (${r.ca})`
        : r.kind === 'system'
          ? `Does not chain to the configured CA; chains to a public root in the system store (${r.ca})`
          : r.kind === 'sent-ca'
            ? `Does not chain to the configured CA; chains to a CA the server sent itself (${r.ca})`
            : r.kind === 'self-signed'
              ? 'Does not chain to the configured CA; self-signed'
              : `Does not chain to the configured CA; chains to an unknown CA: ${r.issuer}`;
  return `<p class="relation" data-relation="${escapeHtml(r.kind)}">${tag(text, r.kind === 'configured' ? 'ok' : 'bad')}</p>`;
}

function button(action: PresentedCertificateAction, label: string, primary = false): string {
  return `<button type="button" class="${primary ? 'primary' : 'secondary'}" data-action="${action}">${escapeHtml(label)}</button>`;
}

export function renderPresentedCertificateBody(model: PresentedCertificateModel): string {
  const a = model.analysis;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(a ? `Certificate presented by ${a.host}:${a.port}` : `Server certificate of ${model.connectionName}`)}</h1>`);
  if (model.failure) parts.push(`<p class="error" role="alert"><strong>${escapeHtml(model.failure.title)}</strong>: ${escapeHtml(model.failure.detail)}</p>`);
  if (!a) {
    parts.push(`<p class="error">The certificate could not be fetched: ${escapeHtml(model.fetchError ?? 'unknown error')}</p>`);
    parts.push(`<div class="actions">${button('refetch', 'Fetch Again')}${button('editConnection', 'Edit Connection…')}</div>`);
    return parts.join('\n');
  }
  parts.push(
    `<p class="note" data-note>${escapeHtml(a.note)} ${escapeHtml(`(${plainDay(a.fetchedAt)}, server greeting version ${a.serverVersion}${a.protocol ? `, ${a.protocol}` : ''})`)}</p>`,
  );
  parts.push(relationHtml(a));
  if (a.autoGenerated)
    parts.push(`<section class="advice" data-auto-generated="${escapeHtml(a.autoGenerated.product)}">
<h2>${escapeHtml(`${a.autoGenerated.product} auto-generated certificate`)}</h2>
<p>${escapeHtml(a.autoGenerated.advice)}</p>
</section>`);
  // The auto-generated advice has its own section above; the list says the rest.
  const findings = a.findings.filter((f) => f !== a.autoGenerated?.advice);
  parts.push(`<h2>What this means</h2>\n<ul class="findings">${findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`);
  const actions: string[] = [];
  if (a.trustableCa) actions.push(button('trustCa', 'Trust this CA…', true));
  actions.push(button('importCa', 'Import CA Bundle…', !a.trustableCa && a.relation.kind !== 'configured'));
  if (a.autoGenerated || !a.namesHost || a.validity !== 'ok') actions.push(button('generateCertificates', 'Generate Certificates…'));
  actions.push(button('editConnection', 'Edit Connection…'));
  actions.push(button('refetch', 'Fetch Again'));
  parts.push(`<div class="actions">${actions.join('')}</div>`);
  if (a.trustableCa)
    parts.push(
      `<p class="muted">Trust this CA saves the CA the server sent to a file you choose and sets ssl.ca of this connection in its ${escapeHtml(model.scope)} settings, after you confirm its fingerprint. A server can send any CA: compare the fingerprint with one from its administrator.</p>`,
    );
  parts.push('<h2>Presented chain</h2>');
  a.certificates.forEach((c, i) => parts.push(certificateHtml(c, i, a)));
  return parts.join('\n');
}

export interface PresentedCertificatePage {
  nonce: string;
  cspSource: string;
  viewScriptUri: string;
  title: string;
  bodyHtml: string;
}

/** The page shell: no remote content, scripts only with the nonce, styles from the extension. */
export function renderPresentedCertificatePage(page: PresentedCertificatePage): string {
  const nonce = escapeHtml(page.nonce);
  const csp = ["default-src 'none'", `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, `font-src ${page.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 20px 20px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 2px; } h3 { font-size: 1em; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 3px 12px 3px 0; vertical-align: top; } th[scope=row] { color: var(--vscode-descriptionForeground); font-weight: normal; white-space: nowrap; }
code, .fingerprint { font-family: var(--vscode-editor-font-family); word-break: break-all; }
.muted, .note { color: var(--vscode-descriptionForeground); }
.note { font-style: italic; }
.tag { display: inline-block; padding: 1px 6px; border: 1px solid var(--vscode-panel-border); border-left-width: 4px; border-radius: 3px; color: var(--vscode-foreground); }
.tag.ok { border-left-color: var(--vscode-testing-iconPassed, #388a34); }
.tag.warn { border-left-color: var(--vscode-editorWarning-foreground, #cca700); }
.tag.bad { border-left-color: var(--vscode-errorForeground, #f14c4c); }
.error { border-left: 4px solid var(--vscode-errorForeground); padding: 4px 12px; background: var(--vscode-inputValidation-errorBackground); }
.advice { border-left: 4px solid var(--vscode-editorWarning-foreground, #cca700); padding: 2px 12px; }
.cert { margin-left: 8px; }
.actions { margin: 12px 0; display: flex; gap: 6px; flex-wrap: wrap; }
button { font-family: inherit; font-size: inherit; padding: 4px 12px; border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px; cursor: pointer; }
button.primary { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
</style>
</head>
<body>
<main id="root">${page.bodyHtml}</main>
<script nonce="${nonce}" src="${escapeHtml(page.viewScriptUri)}"></script>
</body>
</html>`;
}
