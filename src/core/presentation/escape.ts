/**
 * Escaping for everything shown to the user that came from a server, a settings file or a user: host,
 * user, database, table and column names, certificate fields, server versions, variable values and error
 * texts are all hostile. Every renderer (webview HTML, Markdown tooltips, the Markdown report viewer,
 * plain-text reports) goes through one of these, so a value is shown as the characters it contains and
 * never becomes markup, a link (`[x](command:...)` would run a command in a trusted MarkdownString), an
 * image that calls out, or a table row or line of its own.
 */

/** HTML text and attribute values (quoted with `"` or `'`). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Line breaks (including the Unicode ones and the C0/C1 controls that terminals and some renderers treat
// as breaks). In Markdown a line break inside a value could start a heading, a list or a table row.
// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /[\r\n\u2028\u2029\u000b\u000c\u0085]+/g;
// The other control characters (terminal escapes, NUL, DEL, C1) and the bidirectional overrides that can
// make text read differently from what it is.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u202a-\u202e\u2066-\u2069]/g;
// The ASCII punctuation that means something in CommonMark, GFM, VS Code's MarkdownString or the
// preview's markdown-it (CommonMark lets any ASCII punctuation be backslash-escaped, and an escaped one is
// always literal): emphasis, code, links and images (`[`, `!`, `(`), HTML and autolinks (`<`, `&`),
// tables (`|`), headings, lists and setext lines at a line start (`#`, `-`, `+`, `=`, digits then `.` or
// `)`), bare autolinks (`:`, `.`, `@` in `https://`, `www.x.y`, `a@b.c`), theme icons (`$(name)`), and
// `^`/`~`/`{}` of common extensions. `'`, `"`, `,`, `;`, `?`, `%` and `/` are never syntax on their own and
// stay unescaped, so the raw report remains readable.
const MARKDOWN_SYNTAX = /[\\`*_{}[\]()#+\-.!|<>~&$:@=^]/g;

function oneLine(value: unknown): string {
  return String(value ?? '')
    .replace(LINE_BREAKS, ' ')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '\uFFFD');
}

/**
 * Untrusted text as inline Markdown (VS Code MarkdownString, the Markdown preview): shown literally, on
 * one line. Safe inside a table cell too (`|` is escaped, line breaks become spaces).
 */
export function escapeMarkdown(value: unknown): string {
  return oneLine(value).replace(MARKDOWN_SYNTAX, (c) => `\\${c}`);
}

/**
 * Untrusted text as an inline code span (for technical values: cipher, host, SQL fragments): verbatim,
 * whatever backticks it contains (the fence is longer than any run inside). In a table cell (`inTable`)
 * `|` must still be escaped: GFM splits cells before it parses code spans.
 */
export function markdownCodeSpan(value: unknown, options: { inTable?: boolean } = {}): string {
  let text = oneLine(value);
  if (text === '') return "''";
  if (options.inTable) text = text.replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // A span that starts or ends with a backtick or a space needs one space of padding (which CommonMark strips).
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Untrusted multi-line text as a fenced code block: the fence is longer than any backtick run inside. */
export function markdownCodeBlock(value: unknown, language = ''): string {
  const text = String(value ?? '').replace(CONTROL, '\uFFFD');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}

/**
 * Untrusted text for a plain-text line (the CLI report, the copied report, the log): control characters
 * become visible escapes (`\x1B`, `\n`), so a value cannot move the cursor, recolour the terminal, or fake
 * a line of its own.
 */
export function plainTextLine(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
