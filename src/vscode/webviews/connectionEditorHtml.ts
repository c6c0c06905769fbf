import { escapeHtml } from '../../core/presentation/escape';
import { EDITOR_BROWSE_FIELDS, EDITOR_CHOICES, type EditorChoiceField, type EditorField } from '../../core/settings/editorMessages';

/**
 * The connection editor's page: a static form (no setting value is in the HTML: media/connectionEditor.js
 * sets them from the `init` message, as properties, never as markup). The only dynamic strings are the
 * title, the nonce and the script/style URIs, all escaped. Strict CSP: nothing inline but the nonce'd scripts.
 */
export interface ConnectionEditorPage {
  nonce: string;
  cspSource: string;
  elementsScriptUri: string;
  viewScriptUri: string;
  styleUri: string;
  title: string;
}

type FieldDef = {
  field: EditorField;
  label: string;
  help?: string;
  placeholder?: string;
  /** Shown only when this holds: `field=a|b` conditions joined by `&` (media/connectionEditor.js evaluates it). */
  show?: string;
  number?: boolean;
  /** Labels of a choice field's options, in EDITOR_CHOICES order. */
  options?: string[];
  checkbox?: boolean;
};

interface SectionDef {
  id: string;
  heading: string;
  intro?: string;
  fields: FieldDef[];
}

const SECTIONS: SectionDef[] = [
  {
    id: 'connection',
    heading: 'Connection',
    fields: [
      { field: 'name', label: 'Name', placeholder: 'My database' },
      { field: 'kind', label: 'Kind', options: ['MySQL or MariaDB server (or a ProxySQL client port)', 'ProxySQL admin interface'] },
      { field: 'host', label: 'Host', placeholder: 'db.example.com', help: 'Host name or IP address, without the port.' },
      { field: 'port', label: 'Port', placeholder: '3306 (6032 for a ProxySQL admin interface)', number: true },
      { field: 'user', label: 'User', placeholder: 'app', help: 'The password is not a setting: use Set Password… (kept in the OS keychain).' },
      { field: 'database', label: 'Default database', placeholder: 'optional' },
      { field: 'connectTimeoutMs', label: 'Connect timeout (ms)', placeholder: '10000', number: true },
      {
        field: 'readOnly',
        label: 'Read-only: refuse statements that may write, and run queries in READ ONLY transactions',
        checkbox: true,
      },
    ],
  },
  {
    id: 'tls',
    heading: 'TLS',
    fields: [
      {
        field: 'ssl.mode',
        label: 'TLS mode (--ssl-mode)',
        options: [
          'Default (VERIFY_CA with a CA, else PREFERRED)',
          'DISABLED: never use TLS',
          'PREFERRED: TLS when offered, not verified',
          'REQUIRED: always TLS, server not verified',
          'VERIFY_CA: verify the chain against the CA',
          'VERIFY_IDENTITY: verify the chain and the host name (recommended)',
        ],
      },
      { field: 'ssl.caSource', label: 'Trusted CA', options: ['A CA file', 'The system trust store (public root CAs)'], show: 'ssl.mode!=DISABLED' },
      {
        field: 'ssl.ca',
        label: 'CA file (PEM)',
        placeholder: '${workspaceFolder}/certs/ca.pem',
        show: 'ssl.mode!=DISABLED&ssl.caSource=file',
        help: '${workspaceFolder}, ~ and (in user settings) ${env:NAME} are expanded.',
      },
      {
        field: 'ssl.clientCertificate',
        label: 'Client certificate',
        options: ['None', 'PEM certificate and key', 'PKCS#12 file (.p12/.pfx)'],
        show: 'ssl.mode!=DISABLED',
      },
      { field: 'ssl.cert', label: 'Client certificate (PEM)', show: 'ssl.mode!=DISABLED&ssl.clientCertificate=pem' },
      {
        field: 'ssl.key',
        label: 'Client private key (PEM)',
        show: 'ssl.mode!=DISABLED&ssl.clientCertificate=pem',
        help: 'An encrypted key needs its passphrase: MySQL TLS: Set Key Passphrase.',
      },
      { field: 'ssl.pfx', label: 'PKCS#12 file', show: 'ssl.mode!=DISABLED&ssl.clientCertificate=pfx' },
      { field: 'ssl.minVersion', label: 'Lowest TLS version', options: ['Default', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], show: 'ssl.mode!=DISABLED' },
      { field: 'ssl.maxVersion', label: 'Highest TLS version', options: ['Default', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], show: 'ssl.mode!=DISABLED' },
      { field: 'ssl.ciphers', label: 'Ciphers (TLS 1.2 and below)', placeholder: 'OpenSSL cipher list', show: 'ssl.mode!=DISABLED' },
      {
        field: 'ssl.servername',
        label: 'Server name to verify',
        placeholder: 'defaults to the host',
        show: 'ssl.mode!=DISABLED',
        help: 'Checked by VERIFY_IDENTITY and sent as SNI, e.g. when connecting through a tunnel by IP.',
      },
    ],
  },
  {
    id: 'withoutTls',
    heading: 'Password without TLS',
    intro: 'Only used on a link without TLS (caching_sha2_password, sha256_password).',
    fields: [
      { field: 'serverPublicKey', label: "Server's RSA public key (PEM)", placeholder: 'like --server-public-key-path' },
      {
        field: 'getServerPublicKey',
        label: 'Insecure: ask the server for its public key (anyone on the path can answer with their own and read the password)',
        checkbox: true,
      },
    ],
  },
  {
    id: 'ssh',
    heading: 'SSH tunnel',
    fields: [
      { field: 'ssh.enabled', label: 'Connect through an SSH tunnel', checkbox: true },
      { field: 'ssh.host', label: 'SSH host', show: 'ssh.enabled=true' },
      { field: 'ssh.port', label: 'SSH port', placeholder: '22', number: true, show: 'ssh.enabled=true' },
      { field: 'ssh.user', label: 'SSH user', show: 'ssh.enabled=true' },
      {
        field: 'ssh.auth',
        label: 'SSH authentication',
        options: ['SSH agent', 'Private key file', 'Password (kept in the keychain)'],
        show: 'ssh.enabled=true',
      },
      { field: 'ssh.keyFile', label: 'SSH private key file', show: 'ssh.enabled=true&ssh.auth=key' },
      { field: 'ssh.knownHosts', label: 'known_hosts file', placeholder: '~/.ssh/known_hosts', show: 'ssh.enabled=true' },
      { field: 'ssh.keepaliveSeconds', label: 'Keepalive (seconds)', number: true, show: 'ssh.enabled=true' },
      { field: 'ssh.jump.enabled', label: 'Through a jump host', checkbox: true, show: 'ssh.enabled=true' },
      { field: 'ssh.jump.host', label: 'Jump host', show: 'ssh.enabled=true&ssh.jump.enabled=true' },
      { field: 'ssh.jump.port', label: 'Jump port', placeholder: '22', number: true, show: 'ssh.enabled=true&ssh.jump.enabled=true' },
      { field: 'ssh.jump.user', label: 'Jump user', show: 'ssh.enabled=true&ssh.jump.enabled=true' },
      {
        field: 'ssh.jump.auth',
        label: 'Jump authentication',
        options: ['SSH agent', 'Private key file', 'Password (kept in the keychain)'],
        show: 'ssh.enabled=true&ssh.jump.enabled=true',
      },
      { field: 'ssh.jump.keyFile', label: 'Jump private key file', show: 'ssh.enabled=true&ssh.jump.enabled=true&ssh.jump.auth=key' },
    ],
  },
  {
    id: 'auth',
    heading: 'Authentication',
    fields: [
      {
        field: 'auth.method',
        label: 'Login with',
        options: ['Password (kept in the keychain)', 'AWS IAM (RDS token)', 'Microsoft Entra ID (Azure)', 'Google Cloud IAM (Cloud SQL)'],
      },
      { field: 'auth.region', label: 'AWS region', placeholder: 'eu-west-1', show: 'auth.method=awsIam' },
      { field: 'auth.profile', label: 'AWS profile', placeholder: 'default', show: 'auth.method=awsIam' },
      { field: 'auth.tenantId', label: 'Tenant ID', show: 'auth.method=azureEntra' },
      { field: 'auth.clientId', label: 'Client ID', show: 'auth.method=azureEntra' },
      { field: 'auth.impersonate', label: 'Service account to impersonate', show: 'auth.method=gcpIam' },
    ],
  },
];

/** Every field the page has (a test checks it covers the message type). */
export function editorPageFields(): EditorField[] {
  return SECTIONS.flatMap((s) => s.fields.map((f) => f.field));
}

const idOf = (field: string): string => `f-${field.replace(/\./g, '-')}`;

function fieldHtml(f: FieldDef): string {
  const id = idOf(f.field);
  const show = f.show ? ` data-show="${escapeHtml(f.show)}"` : '';
  const problem = `<div class="problem" data-problem-for="${escapeHtml(f.field)}" role="alert"></div>`;
  const help = f.help ? `<vscode-form-helper><p>${escapeHtml(f.help)}</p></vscode-form-helper>` : '';
  if (f.checkbox) {
    return `<div class="field"${show}><vscode-checkbox id="${id}" data-field="${escapeHtml(f.field)}" data-kind="checkbox" label="${escapeHtml(f.label)}"></vscode-checkbox>${help}${problem}</div>`;
  }
  let control: string;
  if (f.options) {
    const values = EDITOR_CHOICES[f.field as EditorChoiceField] as readonly string[];
    const options = values.map((v, i) => `<vscode-option value="${escapeHtml(v)}">${escapeHtml(f.options![i] ?? v)}</vscode-option>`).join('');
    control = `<vscode-single-select id="${id}" data-field="${escapeHtml(f.field)}" data-kind="select" aria-label="${escapeHtml(f.label)}">${options}</vscode-single-select>`;
  } else {
    const browse = (EDITOR_BROWSE_FIELDS as readonly string[]).includes(f.field)
      ? `<vscode-button secondary data-browse="${escapeHtml(f.field)}" aria-label="${escapeHtml(`Browse for ${f.label}`)}">Browse…</vscode-button>`
      : '';
    control = `<div class="row"><vscode-textfield id="${id}" data-field="${escapeHtml(f.field)}" data-kind="text"${f.number ? ' inputmode="numeric"' : ''}${
      f.placeholder ? ` placeholder="${escapeHtml(f.placeholder)}"` : ''
    } aria-label="${escapeHtml(f.label)}"></vscode-textfield>${browse}</div>`;
  }
  return `<div class="field"${show}><vscode-label for="${id}">${escapeHtml(f.label)}</vscode-label>${control}${help}${problem}</div>`;
}

export function renderConnectionEditorPage(page: ConnectionEditorPage): string {
  const nonce = escapeHtml(page.nonce);
  const csp = [
    "default-src 'none'",
    `style-src ${page.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${page.cspSource}`,
    `img-src ${page.cspSource} data:`,
  ].join('; ');
  const sections = SECTIONS.map(
    (s) =>
      `<section id="section-${s.id}"><h2>${escapeHtml(s.heading)}</h2>${s.intro ? `<p class="muted">${escapeHtml(s.intro)}</p>` : ''}${s.fields
        .map(fieldHtml)
        .join('\n')}</section>`,
  ).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
<script type="module" nonce="${nonce}" src="${escapeHtml(page.elementsScriptUri)}"></script>
</head>
<body>
<header>
<h1 id="title">${escapeHtml(page.title)}</h1>
<p id="scope" class="muted"></p>
<ul id="notices"></ul>
<div id="general-problems" class="problem" role="alert"></div>
</header>
<form id="form" novalidate>
<nav class="actions top">
<vscode-button data-action="setPassword" secondary>Set Password…</vscode-button>
</nav>
${sections}
<div id="test-result" aria-live="polite"></div>
<nav class="actions bottom">
<vscode-button data-action="save">Save</vscode-button>
<vscode-button data-action="test" secondary>Test Connection</vscode-button>
<vscode-button data-action="cancel" secondary>Cancel</vscode-button>
<span id="status" class="muted" aria-live="polite"></span>
</nav>
<p class="muted">Enter saves, Escape cancels.</p>
</form>
<script nonce="${nonce}" src="${escapeHtml(page.viewScriptUri)}"></script>
</body>
</html>`;
}
