/**
 * The SQL type of a result column (`INT`, `VARCHAR(100)`, `BIGINT UNSIGNED`, `DECIMAL(10,2)`), worked out from
 * the column definition packet the server sends with every result set. The packet has no type text: only a
 * protocol type code, a length in bytes of the result character set, flags and decimals. So ENUM and SET
 * values, and a text column's own character set, cannot be shown (the server converts text to the
 * connection's character set, and the length is counted in that one).
 */
export interface ColumnDefinition {
  /** Protocol type code (mysql2's `columnType`). */
  columnType: number;
  /** Maximum length in bytes of the result character set (mysql2's `columnLength`). */
  columnLength: number;
  flags: number;
  decimals: number;
  /** Collation id of the result (63 = binary). */
  characterSet: number;
  /** mysql2's name for the collation's character set (`utf8` is utf8mb4, `cesu8` utf8mb3). */
  encoding?: string;
  /** MariaDB extended metadata (negotiated by mysql2): `uuid`, `inet4`, `inet6`, `point`… */
  extendedTypeName?: string;
  /** MariaDB extended metadata: `json` for a JSON column (stored as LONGTEXT). */
  extendedFormat?: string;
}

/** Protocol type codes (include/mysql_com.h, enum_field_types). */
export const FieldType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  VECTOR: 242,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

/** Column flags (include/mysql_com.h). */
export const FieldFlag = { UNSIGNED: 32, ZEROFILL: 64, ENUM: 256, SET: 2048 } as const;

export const BINARY_CHARSET = 63;

/** Most bytes one character takes, by mysql2's encoding name of the result collation. */
const MAX_BYTES_PER_CHAR: Record<string, number> = {
  utf8: 4,
  cesu8: 3,
  ucs2: 2,
  utf16: 4,
  'utf16-le': 4,
  utf32: 4,
  big5: 2,
  sjis: 2,
  cp932: 2,
  euckr: 2,
  gb2312: 2,
  gbk: 2,
  eucjp: 3,
  eucjpms: 3,
  gb18030: 4,
};

/** 1 for binary and single-byte sets; mysql2 names both utf8mb4 (`utf8`) and utf8mb3 (`cesu8`). */
export function maxBytesPerChar(characterSet: number, encoding: string | undefined): number {
  if (characterSet === BINARY_CHARSET) return 1;
  if (encoding === undefined) return 4;
  return MAX_BYTES_PER_CHAR[encoding] ?? 1;
}

const INTEGER_NAMES: Record<number, string> = {
  [FieldType.TINY]: 'TINYINT',
  [FieldType.SHORT]: 'SMALLINT',
  [FieldType.INT24]: 'MEDIUMINT',
  [FieldType.LONG]: 'INT',
  [FieldType.LONGLONG]: 'BIGINT',
};

const MARIADB_EXTENDED_TYPES = new Set([
  'uuid',
  'inet4',
  'inet6',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
]);

/** Largest scale a DECIMAL can have (MariaDB 38, MySQL 30); larger decimals mean "not fixed" (31 or 39). */
const MAX_DECIMAL_SCALE = 38;
/** Largest fractional-seconds precision of TIME, DATETIME and TIMESTAMP. */
const MAX_FSP = 6;

/** Unknown type codes stay visible as numbers rather than being guessed. */
export function sqlTypeName(column: ColumnDefinition): string {
  const { columnType: type, flags, decimals } = column;
  const length = Math.max(0, column.columnLength >>> 0);
  const extended = column.extendedTypeName?.toLowerCase();
  if (extended && MARIADB_EXTENDED_TYPES.has(extended)) return extended.toUpperCase();
  if (column.extendedFormat?.toLowerCase() === 'json') return 'JSON';
  const unsigned = (flags & FieldFlag.UNSIGNED) !== 0 ? ' UNSIGNED' : '';
  const zerofill = (flags & FieldFlag.ZEROFILL) !== 0 ? ' ZEROFILL' : '';
  const binary = column.characterSet === BINARY_CHARSET;
  const chars = (): number => Math.floor(length / maxBytesPerChar(column.characterSet, column.encoding));
  const fsp = (name: string): string => (decimals > 0 && decimals <= MAX_FSP ? `${name}(${decimals})` : name);
  switch (type) {
    case FieldType.TINY:
    case FieldType.SHORT:
    case FieldType.INT24:
    case FieldType.LONG:
    case FieldType.LONGLONG:
      // Display widths are deprecated and mean nothing, except TINYINT(1), the BOOLEAN idiom.
      return `${INTEGER_NAMES[type]}${type === FieldType.TINY && length === 1 ? '(1)' : ''}${unsigned}${zerofill}`;
    case FieldType.FLOAT:
      return `FLOAT${unsigned}${zerofill}`;
    case FieldType.DOUBLE:
      return `DOUBLE${unsigned}${zerofill}`;
    case FieldType.DECIMAL:
    case FieldType.NEWDECIMAL: {
      if (decimals > MAX_DECIMAL_SCALE) return `DECIMAL${unsigned}`;
      // The length counts the digits, the point (when there are decimals) and the sign (when signed).
      const precision = length - (decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      return precision > 0 ? `DECIMAL(${precision},${decimals})${unsigned}${zerofill}` : `DECIMAL${unsigned}`;
    }
    case FieldType.BIT:
      return `BIT(${length})`;
    case FieldType.YEAR:
      return 'YEAR';
    case FieldType.DATE:
    case FieldType.NEWDATE:
      return 'DATE';
    case FieldType.TIME:
    case FieldType.TIME2:
      return fsp('TIME');
    case FieldType.DATETIME:
    case FieldType.DATETIME2:
      return fsp('DATETIME');
    case FieldType.TIMESTAMP:
    case FieldType.TIMESTAMP2:
      return fsp('TIMESTAMP');
    case FieldType.NULL:
      return 'NULL';
    case FieldType.JSON:
      return 'JSON';
    case FieldType.ENUM:
      return 'ENUM';
    case FieldType.SET:
      return 'SET';
    case FieldType.VECTOR:
      // 4-byte floats.
      return `VECTOR(${Math.floor(length / 4)})`;
    case FieldType.GEOMETRY:
      return 'GEOMETRY';
    case FieldType.STRING:
      if ((flags & FieldFlag.ENUM) !== 0) return 'ENUM';
      if ((flags & FieldFlag.SET) !== 0) return 'SET';
      return binary ? `BINARY(${length})` : `CHAR(${chars()})`;
    case FieldType.VARCHAR:
    case FieldType.VAR_STRING:
      return binary ? `VARBINARY(${length})` : `VARCHAR(${chars()})`;
    case FieldType.TINY_BLOB:
    case FieldType.BLOB:
    case FieldType.MEDIUM_BLOB:
    case FieldType.LONG_BLOB: {
      // Servers send every TEXT and BLOB as BLOB; the length (in bytes of the result set) tells them apart.
      const size = binary ? length : chars();
      const prefix = size <= 0xff ? 'TINY' : size <= 0xffff ? '' : size <= 0xffffff ? 'MEDIUM' : 'LONG';
      return `${prefix}${binary ? 'BLOB' : 'TEXT'}`;
    }
    default:
      return `TYPE ${type}`;
  }
}
