import type { Session } from './session';

/** Schema browsing: one query per tree level, never one per object. */
export const SYSTEM_SCHEMAS = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

export interface DatabaseInfo {
  name: string;
  system: boolean;
}

export interface TableInfo {
  name: string;
  kind: 'table' | 'view' | 'system view' | 'sequence';
  /** InnoDB's estimate (information_schema.TABLES.TABLE_ROWS); undefined for views. */
  rowEstimate?: number;
  engine?: string;
  comment?: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  key: '' | 'PRI' | 'UNI' | 'MUL';
  defaultValue: string | null;
  extra: string;
}

export interface IndexInfo {
  name: string;
  unique: boolean;
  columns: string[];
  type: string;
}

export async function listDatabases(session: Session): Promise<DatabaseInfo[]> {
  const { rows } = await session.query<{ name: string }[]>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME');
  return rows.map((r) => ({ name: r.name, system: SYSTEM_SCHEMAS.has(r.name.toLowerCase()) }));
}

export async function listTables(session: Session, database: string): Promise<TableInfo[]> {
  const { rows } = await session.query<{ name: string; type: string; rowsEstimate: number | string | null; engine: string | null; comment: string | null }[]>(
    'SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS rowsEstimate, ENGINE AS engine, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [database],
  );
  return rows.map((r) => {
    const type = r.type.toUpperCase();
    const kind: TableInfo['kind'] = type === 'VIEW' ? 'view' : type === 'SYSTEM VIEW' ? 'system view' : type === 'SEQUENCE' ? 'sequence' : 'table';
    return {
      name: r.name,
      kind,
      rowEstimate: r.rowsEstimate === null || kind === 'view' ? undefined : Number(r.rowsEstimate),
      engine: r.engine ?? undefined,
      comment: r.comment || undefined,
    };
  });
}

export async function listColumns(session: Session, database: string, table: string): Promise<ColumnInfo[]> {
  const { rows } = await session.query<{ name: string; type: string; nullable: string; colKey: string; def: string | null; extra: string }[]>(
    'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS colKey, COLUMN_DEFAULT AS def, EXTRA AS extra FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
  return rows.map((r) => ({
    name: r.name,
    type: r.type,
    nullable: r.nullable === 'YES',
    key: (r.colKey as ColumnInfo['key']) ?? '',
    defaultValue: r.def,
    extra: r.extra,
  }));
}

export async function listIndexes(session: Session, database: string, table: string): Promise<IndexInfo[]> {
  const { rows } = await session.query<{ name: string; nonUnique: number | string; col: string; type: string }[]>(
    'SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, INDEX_TYPE AS type FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
    [database, table],
  );
  const byName = new Map<string, IndexInfo>();
  for (const r of rows) {
    let idx = byName.get(r.name);
    if (!idx) byName.set(r.name, (idx = { name: r.name, unique: Number(r.nonUnique) === 0, columns: [], type: r.type }));
    idx.columns.push(r.col);
  }
  return [...byName.values()];
}
