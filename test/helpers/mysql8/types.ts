/**
 * The contract between the MySQL 8 test double's protocol layer (test/helpers/mysql8/server.ts: greeting,
 * TLS upgrade, authentication, login checks) and its catalog (test/helpers/mysql8/catalog.ts: what the server
 * answers to the statements the extension sends: variables, status, performance_schema, replication tables,
 * mysql.user). A double, not MySQL: see each file's header for what it reproduces and from which source.
 */

/** The server versions the double plays (version string as in the greeting, and its version_comment). */
export type Mysql8Flavour = '8.0.36' | '8.4.3' | '9.1.0' | '5.7.44' | '8.0.36-28' | '5.6.51' | '5.7.26-yassl';

export interface DoubleColumn {
  name: string;
  /** How the column is typed on the wire. */
  type: 'string' | 'int' | 'blob' | 'enum' | 'null';
}

export type DoubleResult =
  | { kind: 'rows'; columns: DoubleColumn[]; rows: (string | number | null | Buffer)[][] }
  | { kind: 'ok'; affectedRows?: number; info?: string }
  | { kind: 'error'; errno: number; sqlState: string; message: string };

/** What the session that sent the statement is. */
export interface DoubleSession {
  user: string;
  host: string;
  /** The session runs over TLS (and with which protocol and cipher, as the server reports them). */
  tls?: { version: string; cipher: string };
  threadId: number;
}

/** Answers one statement (COM_QUERY text, or a prepared statement with its parameters). */
export type DoubleQueryHandler = (sql: string, session: DoubleSession, params?: unknown[]) => DoubleResult;
