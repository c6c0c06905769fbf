import type { CertificateInfo } from '../certificates/certificateInfo';
import { loginText } from './loginPresentation';
import type { ConnectionState } from '../connections/connectionRegistry';
import type { MysqlTlsError } from '../errors';
import { DEFAULT_PORT, type ConnectionProfile } from '../profile';
import { SECURITY_LABELS } from '../tls/formatReport';
import { SSL_MODE_RULES } from '../tls/sslMode';
import { agreementVerdict, serverFieldText, serverViewLabel, type TlsReport } from '../tls/tlsReport';
import { EXPIRY_WARNING_DAYS, formatDate, modeLabel } from './connectionPresentation';
import { escapeHtml } from './escape';

/** What the TLS details view shows: a connection, its state, and the report or the error. */
export interface TlsDetailsModel {
  name: string;
  profile: ConnectionProfile;
  state: ConnectionState;
  report?: TlsReport;
  error?: Pick<MysqlTlsError, 'code' | 'title' | 'detail' | 'fix' | 'field'>;
  /** True when the report comes from Test Connection rather than an open session. */
  fromTest?: boolean;
}

export { escapeHtml };

type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

function badge(text: string, tone: Tone): string {
  return `<span class="badge ${tone}">${escapeHtml(text)}</span>`;
}

function row(label: string, valueHtml: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;
}

function securityTone(report: TlsReport): Tone {
  if (report.security === 'verified-identity') return 'ok';
  if (report.security === 'verified-ca') return 'ok';
  if (report.security === 'encrypted') return 'warn';
  return 'bad';
}

function certificateHtml(cert: CertificateInfo, heading: string): string {
  const tone: Tone = cert.daysLeft < 0 ? 'bad' : cert.daysLeft < EXPIRY_WARNING_DAYS ? 'warn' : 'ok';
  return `<section class="cert">
<h3>${escapeHtml(heading)}</h3>
<table>
${row('Subject', escapeHtml(cert.subject))}
${row('Issuer', escapeHtml(cert.issuer))}
${row('Subject alternative names', cert.subjectAltNames.length ? escapeHtml(cert.subjectAltNames.join(', ')) : '<em>none</em>')}
${row('Valid', `${escapeHtml(formatDate(cert.validFrom))} to ${escapeHtml(formatDate(cert.validTo))} ${badge(cert.daysLeft < 0 ? `expired ${-cert.daysLeft} days ago` : `${cert.daysLeft} days left`, tone)}`)}
${row('Key', escapeHtml(`${cert.keyType}${cert.keyBits ? ` ${cert.keyBits} bits` : ''}${cert.keyCurve ? ` ${cert.keyCurve}` : ''}${cert.signatureAlgorithm ? `, signed ${cert.signatureAlgorithm}` : ''}`))}
${row('SHA-256 fingerprint', `<code class="fingerprint">${escapeHtml(cert.fingerprintSha256)}</code>`)}
</table>
</section>`;
}

function verdict(result: 'verified' | 'failed' | 'not-checked', enforced: boolean): string {
  const tone: Tone = result === 'verified' ? 'ok' : result === 'failed' ? 'bad' : 'neutral';
  return `${badge(result, tone)} ${enforced ? badge('enforced by the mode', 'ok') : badge('not enforced by the mode', 'warn')}`;
}

function actionButton(action: string, label: string, secondary = false): string {
  return `<vscode-button data-action="${escapeHtml(action)}"${secondary ? ' secondary' : ''}>${escapeHtml(label)}</vscode-button>`;
}

/** The body of the TLS details view. Every value is escaped: names and certificate fields are untrusted. */
export function renderTlsDetailsBody(model: TlsDetailsModel): string {
  const { profile, report, error } = model;
  const parts: string[] = [];
  const mode = modeLabel(profile);
  parts.push(`<header><h1>${escapeHtml(`TLS Details: ${model.name}`)}</h1>
<p class="target">${escapeHtml(`${profile.user}@${profile.host}:${profile.port ?? DEFAULT_PORT}`)} · state <strong data-state="${escapeHtml(model.state)}">${escapeHtml(model.state)}</strong>${model.fromTest ? ' · from the last Test Connection' : ''}</p></header>`);
  const actions = [
    model.state === 'connected' ? actionButton('disconnect', 'Disconnect', true) : actionButton('connect', model.state === 'error' ? 'Retry' : 'Connect'),
    actionButton('test', 'Test Connection', true),
    actionButton('editConnection', 'Edit Connection', true),
    actionButton('copyMysqlCommand', 'Copy as mysql Command Line', true),
  ];
  if (report) actions.push(actionButton('copyReport', 'Copy Report', true));
  parts.push(`<nav class="actions">${actions.join(' ')}</nav>`);

  if (error) {
    parts.push(`<section class="error" role="alert">
<h2>${escapeHtml(error.title)}</h2>
<p class="detail">${escapeHtml(error.detail)}</p>
${error.field ? `<p>Setting: <code>${escapeHtml(error.field)}</code></p>` : ''}
<p class="fix"><strong>Fix:</strong> ${escapeHtml(error.fix)}</p>
<p class="cause">Cause code: <code>${escapeHtml(error.code)}</code></p>
</section>`);
  }

  parts.push(
    `<section><h2>Mode asked</h2><p>${badge(mode, 'neutral')} ${escapeHtml(SSL_MODE_RULES[mode as keyof typeof SSL_MODE_RULES]?.description ?? '')}</p></section>`,
  );
  const login = loginText(profile.auth);
  if (login) parts.push(`<section><h2>Login</h2><p class="login">${escapeHtml(login)}</p></section>`);

  if (!report) {
    if (!error) parts.push(`<section><p class="muted">Not connected. Connect or test the connection to see how it is secured.</p></section>`);
    return parts.join('\n');
  }

  parts.push(
    `<section><h2>Security</h2><p class="security">${badge(SECURITY_LABELS[report.security], securityTone(report))}${report.fallback ? ` ${badge('PREFERRED fell back to plaintext: the server offers no TLS', 'bad')}` : ''}</p></section>`,
  );

  const agreementBadges: Record<ReturnType<typeof agreementVerdict>, [string, Tone]> = {
    'not-asked': ['not asked yet', 'neutral'],
    'not-reported': ['not reported', 'neutral'],
    'other-link': ['another link: not compared', 'neutral'],
    agree: ['agree', 'ok'],
    differ: ['differ', 'bad'],
  };
  const agree = (ok: boolean): string => badge(...agreementBadges[agreementVerdict(report, ok)]);
  parts.push(`<section><h2>Protocol and cipher</h2><table>
<tr><th></th><th scope="col">Socket (this client)</th><th scope="col">${escapeHtml(serverViewLabel(report.server))}</th><th></th></tr>
<tr><th scope="row">Protocol</th><td>${escapeHtml(report.encrypted ? (report.protocol ?? '') : 'none')}</td><td>Ssl_version = ${escapeHtml(serverFieldText(report.server, 'sslVersion'))}</td><td>${agree(report.agreement.protocol)}</td></tr>
<tr><th scope="row">Cipher</th><td>${escapeHtml(report.cipher?.name ?? 'none')}${report.cipher?.standardName && report.cipher.standardName !== report.cipher.name ? ` <span class="muted">(${escapeHtml(report.cipher.standardName)})</span>` : ''}</td><td>Ssl_cipher = ${escapeHtml(serverFieldText(report.server, 'sslCipher'))}</td><td>${agree(report.agreement.cipher)}</td></tr>
</table>
<p class="muted">Server ${escapeHtml(report.serverVersion)}, thread ${escapeHtml(report.threadId)}${report.sessionReused ? ', resumed TLS session' : ''}.</p></section>`);

  const v = report.verification;
  parts.push(`<section><h2>Verification</h2><table>
${row('Certificate chain', `${verdict(v.chain, v.chainEnforced)}${v.chainError ? ` <span class="muted">${escapeHtml(v.chainError)}</span>` : ''}`)}
${row(`Host name (${v.verifiedName})`, `${verdict(v.host, v.hostEnforced)}${v.hostError ? ` <span class="muted">${escapeHtml(v.hostError)}</span>` : ''}`)}
${row('Trusted CA', escapeHtml(v.caSource === 'system' ? 'system trust store' : v.caSource === 'file' ? (profile.ssl?.ca ?? 'file') : 'none configured'))}
</table></section>`);

  if (report.peerChain.length) {
    parts.push(
      `<section><h2>Server certificate chain</h2>${report.peerChain.map((c, i) => certificateHtml(c, i === 0 ? 'Server certificate' : `Chain certificate #${i}`)).join('\n')}</section>`,
    );
  }
  parts.push(
    `<section><h2>Client certificate</h2>${report.clientCertificate ? certificateHtml(report.clientCertificate, 'Client certificate') : '<p class="muted">None sent.</p>'}</section>`,
  );
  if (report.hints.length)
    parts.push(`<section><h2>Hints</h2><ul class="hints">${report.hints.map((h) => `<li>${escapeHtml(h)}</li>`).join('')}</ul></section>`);
  return parts.join('\n');
}

export interface TlsDetailsPage {
  nonce: string;
  /** webview.cspSource */
  cspSource: string;
  elementsScriptUri: string;
  viewScriptUri: string;
  title: string;
  bodyHtml: string;
}

/** The whole page: strict CSP (nothing but the two nonce'd scripts and the nonce'd style), theme variables. */
export function renderTlsDetailsPage(page: TlsDetailsPage): string {
  const nonce = escapeHtml(page.nonce);
  const csp = [
    "default-src 'none'",
    `style-src ${page.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${page.cspSource}`,
    `img-src ${page.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 20px 20px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 2px; } h3 { font-size: 1em; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 3px 12px 3px 0; vertical-align: top; } th[scope=row] { color: var(--vscode-descriptionForeground); font-weight: normal; }
code, .fingerprint { font-family: var(--vscode-editor-font-family); word-break: break-all; }
.muted { color: var(--vscode-descriptionForeground); }
.badge { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 0.9em; border: 1px solid transparent; }
.badge.ok { background: var(--vscode-testing-iconPassed, #388a34); color: var(--vscode-editor-background); }
.badge.warn { background: var(--vscode-editorWarning-foreground, #cca700); color: var(--vscode-editor-background); }
.badge.bad { background: var(--vscode-errorForeground, #f14c4c); color: var(--vscode-editor-background); }
.badge.neutral { border-color: var(--vscode-panel-border); }
.error { border-left: 4px solid var(--vscode-errorForeground); padding: 4px 12px; background: var(--vscode-inputValidation-errorBackground); }
.cert { margin-left: 8px; }
.actions { margin: 8px 0; display: flex; gap: 6px; flex-wrap: wrap; }
</style>
<script type="module" nonce="${nonce}" src="${escapeHtml(page.elementsScriptUri)}"></script>
</head>
<body>
<main id="root">${page.bodyHtml}</main>
<script nonce="${nonce}" src="${escapeHtml(page.viewScriptUri)}"></script>
</body>
</html>`;
}
