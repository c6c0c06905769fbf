import type { SqlRunner } from '../../../src/core/server/serverSql';
import type { DoubleQueryHandler, DoubleSession } from '../../helpers/mysql8/types';

/**
 * A SqlRunner over the MySQL 8 double's catalog, without the wire: rows become objects keyed by column name,
 * errors become what mysql2 rejects with (an Error with errno, sqlState, sqlMessage and code). Used to test the
 * audit against MySQL's answers until the protocol double carries them over a real socket; MySQL itself cannot
 * be installed here.
 */
export function catalogRunner(handler: DoubleQueryHandler, session: Partial<DoubleSession> = {}): SqlRunner & { statements: string[] } {
  const s: DoubleSession = { user: 'auditor', host: '%', threadId: 12, tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }, ...session };
  const statements: string[] = [];
  const run = (sql: string, values?: unknown[]): { rows: never } => {
    statements.push(sql);
    const r = handler(sql, s, values);
    if (r.kind === 'error') {
      throw Object.assign(new Error(r.message), {
        errno: r.errno,
        sqlState: r.sqlState,
        sqlMessage: r.message,
        code: r.errno === 1146 ? 'ER_NO_SUCH_TABLE' : r.errno === 1064 ? 'ER_PARSE_ERROR' : `ER_${r.errno}`,
      });
    }
    if (r.kind === 'ok') return { rows: { affectedRows: r.affectedRows ?? 0, info: r.info ?? '' } as never };
    return { rows: r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]]))) as never };
  };
  return {
    statements,
    query: async (sql) => run(sql),
    execute: async (sql, values) => run(sql, values),
  };
}
