/**
 * Logging port. VS Code's LogOutputChannel satisfies `LogSink` structurally; tests pass an array sink.
 * Every message goes through `redactSecrets` first, so a password, passphrase or private key that ends up
 * in a message (an error from a driver, a command line, a settings dump) never reaches the output.
 */
export interface LogSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = keyof LogSink;

export interface Logger {
  trace(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  /** A logger whose lines start with `[component]`, sharing the sink and the known secrets. */
  child(component: string): Logger;
  /** Values to mask wherever they appear (a password read from the keychain, for instance). */
  addSecret(value: string | undefined): void;
}

const REDACTED = '«redacted»';

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
// A quoted SQL or JSON string, with its backslash escapes and doubled quotes (`'it\'s'`, `'it''s'`,
// `"a\"b"`) kept inside. An unterminated one (a message cut short) runs to the end of the text, so no part
// of a secret is left behind.
const SINGLE_QUOTED = String.raw`'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)`;
const DOUBLE_QUOTED = String.raw`"(?:[^"\\]|\\[\s\S]|"")*(?:"|$)`;
const QUOTED = `(?:${SINGLE_QUOTED}|${DOUBLE_QUOTED})`;
const rx = (source: string): RegExp => new RegExp(source, 'gi');
// key=value, key: value, "key": "value", --key=value, for the secret-ish key names, also with a prefix:
// MASTER_PASSWORD=, SOURCE_PASSWORD=, ssl.passphrase:, --ssl-key-password=, MYSQL_PWD=.
const SECRET_ASSIGNMENT = rx(
  String.raw`((?:^|[^\w.-])-{0,2}["']?[\w.-]*?(?:password|passwd|pwd|passphrase|secret|keyPem)["']?\s*[:=]\s*)(${QUOTED}|[^\s,;}&)]+)`,
);
// IDENTIFIED BY 'x', IDENTIFIED BY PASSWORD '*hash', IDENTIFIED WITH plugin BY 'x' / AS 'hash',
// MariaDB's IDENTIFIED VIA plugin USING 'hash' (PASSWORD('x') is the next rule).
const IDENTIFIED_BY = rx(String.raw`(\bIDENTIFIED\s+(?:(?:WITH|VIA)\s+\S+\s+)?(?:BY|AS|USING)\s+(?:PASSWORD\s+)?)(${QUOTED})`);
// MariaDB's chained plugins: IDENTIFIED VIA a USING 'x' OR b USING 'y'.
const OR_USING = rx(String.raw`(\bOR\s+\S+\s+USING\s+(?:PASSWORD\s+)?)(${QUOTED})`);
// PASSWORD('x') and OLD_PASSWORD('x'): SET PASSWORD ... = PASSWORD('x'), IDENTIFIED VIA ... USING PASSWORD('x').
const PASSWORD_FUNCTION = rx(String.raw`(\b(?:OLD_)?PASSWORD\s*\(\s*)(${QUOTED})`);
// PASSWORD 'x' without `=`: CREATE SERVER ... OPTIONS (USER 'u', PASSWORD 'x'), IDENTIFIED BY PASSWORD '*hash'.
const PASSWORD_OPTION = rx(String.raw`(\bPASSWORD\s+)(${QUOTED})`);
// SET PASSWORD FOR 'u'@'h' = 'x' (the account part may hold anything but `=` and `;`).
const SET_PASSWORD = rx(String.raw`(\bSET\s+PASSWORD\b[^=;]{0,300}=\s*)(${QUOTED})`);
// MySQL 8's `... IDENTIFIED BY 'new' REPLACE 'current'`: the current password follows a redacted one.
const REPLACE_CURRENT = rx(String.raw`(['"]«redacted»['"]\s+REPLACE\s+)(${QUOTED})`);
// Credentials in a URL: mysql://user:secret@host.
const URL_CREDENTIALS = /(\b[a-z][\w+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)(?=@)/gi;
// Cloud login tokens by shape, also when no one told the logger about them: an RDS IAM token's signature,
// credential and session token (the rest of it is host, user and date), a JWT (Entra ID), a Google access token.
const AWS_PRESIGNED = /(\bX-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi;
const JWT = /\beyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g;
const GOOGLE_ACCESS_TOKEN = /\bya29\.[\w.-]+/g;

/**
 * Every pattern above needs one of these in the text (case-insensitive; the known secret values are checked
 * apart): a secret-ish key name followed by `:` or `=` (SECRET_ASSIGNMENT), or one of the words of the others.
 * A message without any, as most log lines are ("secrets are stored in VS Code SecretStorage"), skips the
 * patterns, whose first use costs milliseconds (compiling them) that activation's log lines would pay.
 * Keep in step with the patterns: logger.test.ts redacts a sample of each, which fails when one is missing here.
 */
const MAY_HOLD_SECRET = /(?:passwd|pwd|passphrase|secret|keypem)["']?\s*[:=]|password|identified|using|:\/\/|x-amz-|eyj|ya29\.|private key|«redacted»/i;

function redactedLike(value: string): string {
  const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
  return `${quote}${REDACTED}${quote}`;
}

/** Masks private key blocks, secret-named assignments, SQL password clauses and any known secret value. */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  let out = text;
  if (MAY_HOLD_SECRET.test(text)) {
    out = out.replace(PEM_PRIVATE_KEY, `-----BEGIN $1PRIVATE KEY----- ${REDACTED} -----END $1PRIVATE KEY-----`);
    const mask = (_m: string, prefix: string, value: string): string => `${prefix}${redactedLike(value)}`;
    for (const pattern of [SECRET_ASSIGNMENT, IDENTIFIED_BY, OR_USING, PASSWORD_FUNCTION, PASSWORD_OPTION, SET_PASSWORD, REPLACE_CURRENT])
      out = out.replace(pattern, mask);
    out = out.replace(URL_CREDENTIALS, `$1${REDACTED}`);
    out = out.replace(AWS_PRESIGNED, `$1${REDACTED}`).replace(JWT, REDACTED).replace(GOOGLE_ACCESS_TOKEN, REDACTED);
  }
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...knownSecrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

function describe(detail: unknown): string {
  if (detail instanceof Error) {
    const code = (detail as { code?: unknown }).code;
    return `${detail.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${detail.message}`;
  }
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

class RedactingLogger implements Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly component: string | undefined,
    private readonly secrets: Set<string>,
  ) {}

  private write(level: LogLevel, message: string, details: unknown[]): void {
    const prefix = this.component ? `[${this.component}] ` : '';
    const text = [message, ...details.map(describe)].join(' ');
    this.sink[level](redactSecrets(prefix + text, this.secrets));
  }

  trace(message: string, ...details: unknown[]): void {
    this.write('trace', message, details);
  }
  debug(message: string, ...details: unknown[]): void {
    this.write('debug', message, details);
  }
  info(message: string, ...details: unknown[]): void {
    this.write('info', message, details);
  }
  warn(message: string, ...details: unknown[]): void {
    this.write('warn', message, details);
  }
  error(message: string, ...details: unknown[]): void {
    this.write('error', message, details);
  }
  child(component: string): Logger {
    return new RedactingLogger(this.sink, this.component ? `${this.component}/${component}` : component, this.secrets);
  }
  addSecret(value: string | undefined): void {
    if (value) this.secrets.add(value);
  }
}

export function createLogger(sink: LogSink, component?: string): Logger {
  return new RedactingLogger(sink, component, new Set());
}

/** A sink that drops everything (for code paths that log but whose output nobody reads). */
export const SILENT_SINK: LogSink = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
