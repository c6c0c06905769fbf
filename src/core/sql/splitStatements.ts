/**
 * Splits SQL text into statements the way the mysql client does: on `;` (or the current DELIMITER)
 * outside quotes, backticks and comments, with `DELIMITER x` lines understood. Offsets let the editor
 * run the statement under the cursor and report errors at the right place.
 */
export interface SqlStatement {
  text: string;
  /** Offsets into the original text (start inclusive, end exclusive), trimmed of surrounding space. */
  start: number;
  end: number;
}

export function splitStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let delimiter = ';';
  let start = 0;
  let i = 0;
  const push = (endExclusive: number, next: number): void => {
    const raw = sql.slice(start, endExclusive);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text && !isOnlyComments(text)) out.push({ text, start: start + lead, end: start + lead + text.length });
    start = next;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const atLineStart = i === 0 || sql[i - 1] === '\n';
    if (atLineStart) {
      const m = /^[ \t]*delimiter[ \t]+(\S+)[ \t]*(?:\r?\n|$)/i.exec(sql.slice(i));
      if (m) {
        push(i, i + m[0].length);
        delimiter = m[1]!;
        i += m[0].length;
        continue;
      }
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(sql, i, ch);
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-' && (i + 2 >= sql.length || /\s/.test(sql[i + 2]!))) {
      i = lineEnd(sql, i);
      continue;
    }
    if (ch === '#') {
      i = lineEnd(sql, i);
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
      continue;
    }
    if (sql.startsWith(delimiter, i)) {
      push(i, i + delimiter.length);
      i += delimiter.length;
      continue;
    }
    i++;
  }
  push(sql.length, sql.length);
  return out;
}

function skipQuoted(sql: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j]!;
    if (c === '\\' && quote !== '`') j += 2;
    else if (c === quote && sql[j + 1] === quote) j += 2;
    else if (c === quote) return j + 1;
    else j++;
  }
  return sql.length;
}

function lineEnd(sql: string, i: number): number {
  const nl = sql.indexOf('\n', i);
  return nl < 0 ? sql.length : nl + 1;
}

function isOnlyComments(text: string): boolean {
  return (
    text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(--\s|#)[^\n]*/g, '')
      .trim() === ''
  );
}

/** The statement containing (or, between statements, just before) an offset. */
export function statementAt(statements: SqlStatement[], offset: number): SqlStatement | undefined {
  let best: SqlStatement | undefined;
  for (const s of statements) {
    if (s.start <= offset) best = s;
    if (offset <= s.end) return s.start <= offset ? s : (best ?? s);
  }
  return best;
}

const READ_ONLY = /^(select|show|describe|desc|explain|with|values|table|help|use|set\s+(session\s+)?(transaction\s+read|names|character))\b/i;

/** Strips leading comments so the first keyword can be read. */
function firstKeywords(text: string): string {
  return text.replace(/^(\s|\/\*[\s\S]*?\*\/|(--\s|#)[^\n]*\n?)+/, '').replace(/\s+/g, ' ');
}

/** Whether a statement only reads (used by the read-only connection flag, before sending anything). */
export function isReadOnlyStatement(text: string): boolean {
  const head = firstKeywords(text);
  if (/^with\b/i.test(head)) return !/\b(update|delete|insert|replace)\b/i.test(head);
  if (/^select\b/i.test(head)) return !/\binto\s+(outfile|dumpfile)\b/i.test(head) && !/\bfor\s+update\b/i.test(head);
  return READ_ONLY.test(head);
}

/** UPDATE or DELETE with no WHERE clause (outside strings and comments): worth a confirmation. */
export function isUnboundedWrite(text: string): boolean {
  const head = firstKeywords(text);
  if (!/^(update|delete)\b/i.test(head)) return false;
  const stripped = head.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`/g, "''");
  return !/\bwhere\b/i.test(stripped);
}
