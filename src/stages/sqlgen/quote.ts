// Quoting for the SQL the compiler writes. Names come from the user's query and catalog, so they
// are always quoted and escaped, never pasted raw.

/** Flink SQL identifier: backquoted, a backquote doubled. */
export function flinkIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Flink SQL string literal: single-quoted, a quote doubled. */
export function flinkString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** ClickHouse identifier: backquoted, backslash and backquote escaped with a backslash. */
export function chIdent(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

/** A literal name as a Java regular expression (mysql-cdc's database-name / table-name are regexes). */
export function regexLiteral(name: string): string {
  return name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Environment-variable part of a server name: `eu-west` → `EU_WEST`. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
