import type { CertificateInfo } from '../certificates/certificateInfo';
import { loginText } from './loginPresentation';
import { describeSshRoute, describeSshSettings } from './sshRoute';
import type { ConnectionState } from '../connections/connectionRegistry';
import type { MysqlTlsError } from '../errors';
import { DEFAULT_PORT, type ConnectionProfile } from '../profile';
import { SECURITY_LABELS } from '../tls/formatReport';
import { SSL_MODE_RULES } from '../tls/sslMode';
import { agreementVerdict, serverFieldText, serverViewLabel, type TlsReport } from '../tls/tlsReport';
import { checkWords, EXPIRY_WARNING_DAYS, formatDate, modeLabel } from './connectionPresentation';
import { escapeHtml } from './escape';
import { validityWords } from './expiry';
import { BADGE_COLORS, goodTone, SECURITY_COLORS, SECURITY_STATES, securityStateOf, type SecurityState, type Tone } from './securityState';

/** What the TLS details view shows: a connection, its state, and the report or the error. */
export interface TlsDetailsModel {
  name: string;
  profile: ConnectionProfile;
  state: ConnectionState;
  report?: TlsReport;
  error?: Pick<MysqlTlsError, 'code' | 'title' | 'detail' | 'fix' | 'field'>;
  /**
   * Where a report shown while not connected comes from: the last Test Connection, or the last session
   * (closed or lost). Unset while connected (the open session's report).
   */
  reportFrom?: 'test' | 'last-session';
  /** The clock for the certificates' days left (tests). */
  now?: Date;
}

export { escapeHtml };

function badge(text: string, tone: Tone): string {
  return `<span class="badge ${tone}">${escapeHtml(text)}</span>`;
}

function row(label: string, valueHtml: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;
}

/**
 * A certificate. A validity that is fine is green only on a verified session: next to an unverified one it
 * says nothing about who sent the certificate.
 */
function certificateHtml(cert: CertificateInfo, heading: string, report: TlsReport, now: Date): string {
  const tone: Tone = cert.daysLeft < 0 ? 'bad' : cert.daysLeft < EXPIRY_WARNING_DAYS ? 'warn' : goodTone(report.security);
  return `<section class="cert">
<h3>${escapeHtml(heading)}</h3>
<table>
${row('Subject', escapeHtml(cert.subject))}
${row('Issuer', escapeHtml(cert.issuer))}
${row('Subject alternative names', cert.subjectAltNames.length ? escapeHtml(cert.subjectAltNames.join(', ')) : '<em>none</em>')}
${row('Valid', `${escapeHtml(formatDate(cert.validFrom))} to ${escapeHtml(formatDate(cert.validTo))} ${badge(validityWords(cert.validTo, now), tone)}`)}
${row('Key', escapeHtml(`${cert.keyType}${cert.keyBits ? ` ${cert.keyBits} bits` : ''}${cert.keyCurve ? ` ${cert.keyCurve}` : ''}${cert.signatureAlgorithm ? `, signed ${cert.signatureAlgorithm}` : ''}`))}
${row('SHA-256 fingerprint', `<code class="fingerprint">${escapeHtml(cert.fingerprintSha256)}</code>`)}
</table>
</section>`;
}

/** A check's result and whether the mode enforced it; for a plaintext session there was no check to enforce. */
function verdict(report: TlsReport, check: 'chain' | 'host'): string {
  const words = checkWords(report, check);
  if (!report.encrypted) return badge(words.text, words.tone);
  const enforced = check === 'chain' ? report.verification.chainEnforced : report.verification.hostEnforced;
  return `${badge(words.text, words.tone)} ${enforced ? badge('enforced by the mode', goodTone(report.security)) : badge('not enforced by the mode', 'warn')}`;
}

/** The state line under the title: the state in words and where a report shown while not connected comes from. */
function stateLine(model: TlsDetailsModel, state: SecurityState): string {
  const words =
    model.state === 'connected'
      ? `connected · ${SECURITY_STATES[state].words}`
      : model.state === 'reconnecting'
        ? 'reconnecting'
        : model.state === 'connecting'
          ? 'connecting…'
          : model.state === 'error'
            ? 'the last attempt failed'
            : model.report
              ? 'not connected'
              : 'not connected, and not tested since VS Code started';
  const from = model.report && model.state !== 'connected' ? (model.reportFrom === 'test' ? 'below: the last Test Connection' : 'below: the last session') : '';
  return `<strong class="state tone-${state === 'not-connected' || state === 'connecting' ? 'neutral' : SECURITY_STATES[state].tone}" data-state="${escapeHtml(model.state)}">${escapeHtml(words)}</strong>${from ? ` · ${escapeHtml(from)}` : ''}`;
}

function actionButton(action: string, label: string, secondary = false): string {
  return `<vscode-button data-action="${escapeHtml(action)}"${secondary ? ' secondary' : ''}>${escapeHtml(label)}</vscode-button>`;
}

/** The body of the TLS details view. Every value is escaped: names and certificate fields are untrusted. */
export function renderTlsDetailsBody(model: TlsDetailsModel): string {
  const { profile, report, error } = model;
  const now = model.now ?? new Date();
  const parts: string[] = [];
  const mode = modeLabel(profile);
  const state = securityStateOf(model.state === 'connected' ? model : { state: model.state });
  parts.push(`<header><h1>${escapeHtml(`TLS Details: ${model.name}`)}</h1>
<p class="target">${escapeHtml(`${profile.user}@${profile.host}:${profile.port ?? DEFAULT_PORT}`)} · ${stateLine(model, state)}</p></header>`);
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
  // The SSH hop: with its host key as accepted on the last session, else as configured.
  const route = describeSshRoute(report?.ssh) ?? describeSshSettings(profile.ssh);
  if (route) parts.push(`<section><h2>Route</h2><p class="route">${escapeHtml(route)}</p></section>`);

  if (!report) {
    if (!error)
      parts.push(
        `<section><p class="muted">Not connected, and not tested since VS Code started. Connect or test the connection to see how it is secured.</p></section>`,
      );
    return parts.join('\n');
  }

  parts.push(
    `<section><h2>Security</h2><p class="security">${badge(SECURITY_LABELS[report.security], SECURITY_STATES[report.security].tone)}${report.fallback ? ` ${badge('PREFERRED fell back to plaintext: the server offers no TLS', 'bad')}` : ''}</p></section>`,
  );

  const agreementBadges: Record<ReturnType<typeof agreementVerdict>, [string, Tone]> = {
    'not-asked': ['not asked yet', 'neutral'],
    'not-reported': ['not reported', 'neutral'],
    'other-link': ['another link: not compared', 'neutral'],
    // Agreeing on "no TLS" or on an unverified session is not good news: green only when verified.
    agree: ['agree', goodTone(report.security)],
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
${row('Certificate chain', `${verdict(report, 'chain')}${v.chainError ? ` <span class="muted">${escapeHtml(v.chainError)}</span>` : ''}`)}
${row(`Host name (${v.verifiedName})`, `${verdict(report, 'host')}${v.hostError ? ` <span class="muted">${escapeHtml(v.hostError)}</span>` : ''}`)}
${row('Trusted CA', escapeHtml(v.caSource === 'system' ? 'system trust store' : v.caSource === 'file' ? (profile.ssl?.ca ?? 'file') : 'none configured'))}
</table></section>`);

  if (report.peerChain.length) {
    parts.push(
      `<section><h2>Server certificate chain</h2>${report.peerChain.map((c, i) => certificateHtml(c, i === 0 ? 'Server certificate' : `Chain certificate #${i}`, report, now)).join('\n')}</section>`,
    );
  }
  parts.push(
    `<section><h2>Client certificate</h2>${report.clientCertificate ? certificateHtml(report.clientCertificate, 'Client certificate', report, now) : '<p class="muted">None sent.</p>'}</section>`,
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

/** A contributed colour as the webview's CSS variable (`mysqlTls.badgeOkBackground` -> `--vscode-mysqlTls-badge-okBackground`). */
function cssColor(id: string): string {
  return `var(--vscode-${id.replace(/\./g, '-')})`;
}

/**
 * Badges and state text in the contributed colours (package.json `contributes.colors`: text on its own
 * background at 4.5:1 or more in Light+, Dark+ and both High Contrast themes). In the high-contrast themes
 * the badges also get the theme's contrast border.
 */
const BADGE_CSS = [
  '.badge { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 0.9em; border: 1px solid var(--vscode-contrastBorder, transparent); }',
  ...(['ok', 'warn', 'bad'] as const).map(
    (tone) => `.badge.${tone} { background: ${cssColor(BADGE_COLORS[tone].background)}; color: ${cssColor(BADGE_COLORS[tone].foreground)}; }`,
  ),
  '.badge.neutral { border-color: var(--vscode-contrastBorder, var(--vscode-panel-border)); color: var(--vscode-foreground); }',
  `.state.tone-ok { color: ${cssColor(SECURITY_COLORS.verified)}; }`,
  `.state.tone-warn { color: ${cssColor(SECURITY_COLORS.unverified)}; }`,
  `.state.tone-bad { color: ${cssColor(SECURITY_COLORS.plaintext)}; }`,
].join('\n');

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
${BADGE_CSS}
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
