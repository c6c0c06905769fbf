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
// key=value, key: value, "key": "value", --key=value, for the secret-ish key names.
const SECRET_ASSIGNMENT =
  /((?:^|[\s,{;(&?"'])-{0,2}["']?(?:password|passwd|pwd|passphrase|secret|keyPem|MYSQL_PWD)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;}&)]+)/gi;
const IDENTIFIED_BY = /(IDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS)\s+)('[^']*'|"[^"]*")/gi;

/** Masks private key blocks, secret-named assignments and any known secret value. */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  let out = text.replace(PEM_PRIVATE_KEY, `-----BEGIN $1PRIVATE KEY----- ${REDACTED} -----END $1PRIVATE KEY-----`);
  out = out.replace(SECRET_ASSIGNMENT, (_m, prefix: string, value: string) => {
    const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
    return `${prefix}${quote}${REDACTED}${quote}`;
  });
  out = out.replace(IDENTIFIED_BY, `$1'${REDACTED}'`);
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
