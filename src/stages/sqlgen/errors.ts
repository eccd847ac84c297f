// Errors of the SQL compiler. Two families, because callers treat them differently:
// - the query or catalog is wrong (SqlGenInputError): report it to the user; an LLM cannot help;
// - the query is fine but the compiler does not handle it (UnsupportedQueryError): the LLM
//   fallback may try, then validate.

/** Base class: every compiler failure carries a stable `code` for reports and metrics. */
export abstract class SqlGenError extends Error {
  abstract readonly code: string;
}

/** The query or the catalog is wrong: the user must fix it. */
export class SqlGenInputError extends SqlGenError {
  override readonly name: string = 'SqlGenInputError';
  constructor(
    readonly code: 'parse_error' | 'not_select' | 'multiple_statements' | 'unknown_table' | 'unknown_column' | 'ambiguous_column' | 'ambiguous_table' | 'no_primary_key' | 'empty_query',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A valid query the compiler cannot translate (e.g. a recursive CTE): the LLM fallback's cue. */
export class UnsupportedQueryError extends SqlGenError {
  override readonly name = 'UnsupportedQueryError';
  readonly code = 'unsupported';
}

/** The catalog could not be read or is inconsistent. */
export class CatalogError extends SqlGenError {
  override readonly name = 'CatalogError';
  readonly code = 'catalog';
}
