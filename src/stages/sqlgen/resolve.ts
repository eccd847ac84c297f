// Column resolution over node-sql-parser's AST: every column reference of the query is bound to
// (server, database, table, column) through scopes — aliases, CTEs, derived tables, correlated
// subqueries, USING joins, select aliases in ORDER BY / GROUP BY / HAVING, set operations and
// `*` expansion — and recorded with the clause it appears in. Whatever the query mentions must
// exist in the ClickHouse tables for the unchanged query to run there, so every referenced column
// is needed; `*` inside a derived table or CTE only pulls the columns the outer query uses.
import type { Catalog, CatalogColumn, CatalogTable } from './catalog.js';
import { SqlGenInputError, UnsupportedQueryError } from './errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- node-sql-parser's AST is loosely typed */
type Node = any;

/** Why a column is needed; `listed` when a column list came from outside the resolver (LLM fallback). */
export type Reason = 'projection' | 'join' | 'filter' | 'group by' | 'having' | 'order by' | 'window' | 'correlation' | 'listed';

export interface TableUsage {
  table: CatalogTable;
  /** Lower-cased column name → reasons, in first-use order. */
  columns: Map<string, Set<Reason>>;
}

/** Facts about the query that decide ClickHouse settings and compatibility warnings. */
export interface QueryFeatures {
  outerJoin: boolean;
  aggregates: boolean;
  bareUnion: boolean;
  bareIntersectExcept: boolean;
  rollup: boolean;
  cast: boolean;
  correlated: boolean;
  /** Select aliases equal to a column name of their own FROM (ClickHouse would prefer the alias). */
  shadowingAliases: string[];
  /** Shadowing aliases that ORDER BY uses (MySQL takes the alias there, the column elsewhere). */
  shadowingAliasInOrderBy: string[];
  /** ORDER BY … ASC on a column that may be NULL: MySQL sorts NULLs first, ClickHouse last. */
  nullableOrderBy: string[];
  doubleQuotedStrings: number;
  /** Arithmetic between fractional literals (`0.06 + 0.01`): exact in MySQL, Float64 in ClickHouse. */
  fractionalLiteralArithmetic: number;
  pipesOperator: boolean;
  /** Identifiers written in another case than the catalog's (ClickHouse names are case-sensitive). */
  caseMismatches: string[];
  columnRefs: number;
}

interface OutputColumn {
  /** Lower-cased name; null for unnamed expressions. */
  name: string | null;
  use: (reason: Reason) => void;
}

interface BaseRelation {
  kind: 'base';
  /** How the query qualifies it: the alias, else the table name. */
  qualifier: string;
  aliased: boolean;
  /** On the NULL-filling side of an outer join. */
  nullSupplied: boolean;
  database: string;
  tableName: string;
  usage: TableUsage;
  byName: Map<string, CatalogColumn>;
}

interface DerivedRelation {
  kind: 'derived';
  qualifier: string;
  columns: OutputColumn[];
}

type Relation = BaseRelation | DerivedRelation;

interface Cte {
  name: string;
  columns: OutputColumn[];
}

class Scope {
  readonly relations: Relation[] = [];
  /** Columns coalesced by JOIN … USING: lower-cased name → the relations joined on it. */
  readonly usingColumns = new Map<string, Relation[]>();
  /** Select-list aliases of this SELECT (lower-cased). */
  aliases = new Set<string>();
  /** Output names of the whole set operation, for an ORDER BY after UNION. */
  unionOutputs: Set<string> | null = null;

  constructor(
    readonly parent: Scope | null,
    readonly ctes: Map<string, Cte>,
  ) {}
}

/** How a SELECT's `*` is treated: marked now, left to the outer query's use, or not at all. */
type StarMode = 'eager' | 'lazy' | 'ignore';

export interface ResolveResult {
  usages: TableUsage[];
  features: QueryFeatures;
}

const AGGREGATES = new Set(['sum', 'avg', 'min', 'max', 'group_concat', 'std', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'bit_and', 'bit_or', 'bit_xor', 'json_arrayagg', 'json_objectagg']);

/** Un-doubles the backquotes node-sql-parser leaves in quoted identifiers (`a``b` → a`b). */
function ident(value: unknown): string {
  if (typeof value === 'string') return value.replaceAll('``', '`');
  if (value && typeof value === 'object') {
    const v = value as { expr?: { value?: unknown }; value?: unknown };
    if (v.expr && typeof v.expr.value === 'string') return ident(v.expr.value);
    if (typeof v.value === 'string') return ident(v.value);
  }
  throw new UnsupportedQueryError(`unexpected identifier shape in the parsed query: ${JSON.stringify(value)?.slice(0, 120)}`);
}

export class Resolver {
  private readonly usages = new Map<CatalogTable, TableUsage>();
  /** Set while resolving an ORDER BY item that is a bare ascending column reference. */
  private ascendingOrderColumn = false;
  private readonly features: QueryFeatures = {
    outerJoin: false, aggregates: false, bareUnion: false, bareIntersectExcept: false, rollup: false, cast: false, correlated: false,
    shadowingAliases: [], shadowingAliasInOrderBy: [], nullableOrderBy: [], doubleQuotedStrings: 0, fractionalLiteralArithmetic: 0, pipesOperator: false, caseMismatches: [], columnRefs: 0,
  };

  constructor(
    private readonly catalog: Catalog,
    private readonly defaultDatabase: string | null,
  ) {}

  resolve(ast: Node): ResolveResult {
    this.query(ast, null, new Map(), 'eager');
    return { usages: [...this.usages.values()], features: this.features };
  }

  /** A full query expression: WITH, then a SELECT or a chain of set operations. */
  private query(ast: Node, parent: Scope | null, ctes: Map<string, Cte>, star: StarMode): OutputColumn[] {
    if (!ast || ast.type !== 'select') throw new UnsupportedQueryError(`expected a SELECT inside the query, found ${ast?.type ?? 'nothing'}`);
    const env = this.withClause(ast.with, parent, ctes);
    const branches: Node[] = [];
    for (let b: Node = ast; b; b = b._next) {
      branches.push(b);
      if (b._next) {
        const op = String(b.set_op ?? '').toLowerCase();
        if (op === 'union') this.features.bareUnion = true;
        if (op === 'intersect' || op === 'except' || op === 'minus') this.features.bareIntersectExcept = true;
      }
    }
    if (branches.length === 1) return this.select(ast, parent, env, star);
    // Set operations compare whole rows: every branch's `*` counts.
    const outputs = branches.map((b, i) => this.select(b, parent, env, 'eager', i === branches.length - 1 ? branches : undefined));
    const first = outputs[0]!;
    return first.map((col, i) => ({ name: col.name, use: (r: Reason) => outputs.forEach((o) => o[i]?.use(r)) }));
  }

  private withClause(withList: Node, parent: Scope | null, outer: Map<string, Cte>): Map<string, Cte> {
    if (!withList) return outer;
    const list: Node[] = Array.isArray(withList) ? withList : [withList];
    const env = new Map(outer);
    for (const w of list) {
      if (w.recursive) throw new UnsupportedQueryError('WITH RECURSIVE is not supported by the compiler');
      const name = ident(w.name);
      const body = w.stmt?.ast ?? w.stmt;
      const cols = this.query(body, parent, env, 'lazy');
      const renamed: Node[] | null = Array.isArray(w.columns) && w.columns.length > 0 ? w.columns : null;
      const columns = renamed ? renamed.map((c, i) => ({ name: ident(c?.type === 'column_ref' ? c.column : c).toLowerCase(), use: (r: Reason) => cols[i]?.use(r) })) : cols;
      env.set(name, { name, columns });
    }
    return env;
  }

  /**
   * One SELECT. `unionBranches` holds all branches when this is the last branch of a set
   * operation: its ORDER BY then names the operation's output columns.
   */
  private select(ast: Node, parent: Scope | null, ctes: Map<string, Cte>, star: StarMode, unionBranches?: Node[]): OutputColumn[] {
    const scope = new Scope(parent, ctes);
    this.from(ast.from, scope);
    const columns: Node[] = Array.isArray(ast.columns) ? ast.columns : [];
    // Aliases first: ORDER BY / HAVING may use them, and shadowing decides a ClickHouse setting.
    for (const item of columns) {
      if (item?.as) {
        const alias = ident(item.as).toLowerCase();
        scope.aliases.add(alias);
        // `x AS x` renames nothing; any other expression named like a column shadows it.
        const sameColumn = item.expr?.type === 'column_ref' && typeof item.expr.column !== 'object' && ident(item.expr.column).toLowerCase() === alias;
        if (!sameColumn && this.columnExistsInScope(scope, alias)) this.features.shadowingAliases.push(alias);
      }
    }
    if (unionBranches) {
      const firstColumns: Node[] = unionBranches[0]?.columns ?? [];
      scope.unionOutputs = new Set(firstColumns.map((c) => outputName(c)).filter((n): n is string => n !== null));
    }
    // DISTINCT compares whole rows: a `*` under it needs every column.
    if (ast.distinct && star === 'lazy') star = 'eager';
    const outputs: OutputColumn[] = [];
    for (const item of columns) {
      const expr = item?.expr;
      if (expr?.type === 'column_ref' && ident(expr.column) === '*') {
        outputs.push(...this.star(expr, scope, star));
        continue;
      }
      if (expr?.type === 'star') {
        outputs.push(...this.star({ table: null }, scope, star));
        continue;
      }
      this.expr(expr, scope, 'projection');
      outputs.push({ name: outputName(item), use: () => undefined });
    }
    this.expr(ast.where, scope, 'filter');
    const groupBy = ast.groupby?.columns ?? (Array.isArray(ast.groupby) ? ast.groupby : null);
    if (groupBy) for (const g of groupBy) this.expr(g, scope, 'group by');
    if (Array.isArray(ast.groupby?.modifiers) && ast.groupby.modifiers.some((m: Node) => /rollup/i.test(String(m?.value ?? '')))) this.features.rollup = true;
    this.expr(ast.having, scope, 'having');
    if (Array.isArray(ast.orderby)) {
      for (const o of ast.orderby) {
        this.ascendingOrderColumn = o?.expr?.type === 'column_ref' && String(o?.type ?? 'ASC').toUpperCase() !== 'DESC';
        this.expr(o?.expr, scope, 'order by');
        this.ascendingOrderColumn = false;
      }
    }
    if (ast.window?.expr) for (const w of ast.window.expr) this.expr(w?.as_window_specification, scope, 'window');
    return outputs;
  }

  private star(ref: Node, scope: Scope, mode: StarMode): OutputColumn[] {
    const qualifier = ref.table ? ident(ref.table) : null;
    const rels = qualifier === null ? scope.relations : scope.relations.filter((r) => this.matchesQualifier(r, qualifier, ref.db ? ident(ref.db) : null));
    if (qualifier !== null && rels.length === 0) throw new SqlGenInputError('unknown_table', `unknown table ${qualifier} in ${qualifier}.*`);
    if (qualifier === null && rels.length === 0) throw new SqlGenInputError('unknown_column', 'SELECT * without a FROM clause');
    const out: OutputColumn[] = [];
    for (const rel of rels) {
      const cols: OutputColumn[] = rel.kind === 'base'
        ? rel.usage.table.columns.map((c) => ({ name: c.name.toLowerCase(), use: (r: Reason) => this.mark(rel, c.name, r) }))
        : rel.columns;
      for (const c of cols) {
        if (mode === 'eager') c.use('projection');
        out.push(mode === 'lazy' ? c : { name: c.name, use: () => undefined });
      }
    }
    return out;
  }

  private from(from: Node, scope: Scope): void {
    if (!from) return;
    const items: Node[] = Array.isArray(from) ? from : from.expr && Array.isArray(from.expr) ? from.expr : [from];
    for (const item of items) this.fromItem(item, scope);
  }

  private fromItem(item: Node, scope: Scope): void {
    // A parenthesised join: its tables join this scope.
    if (item.expr && Array.isArray(item.expr)) {
      this.from(item.expr, scope);
      this.joinCondition(item, scope);
      return;
    }
    const join = String(item.join ?? '').toUpperCase();
    if (/LEFT|RIGHT|FULL/.test(join)) this.features.outerJoin = true;
    if (/RIGHT|FULL/.test(join)) for (const r of scope.relations) if (r.kind === 'base') r.nullSupplied = true;
    if (/NATURAL/.test(join)) throw new UnsupportedQueryError('NATURAL JOIN is not supported; write JOIN … USING (…)');
    let rel: Relation | null;
    if (item.expr?.ast || item.expr?.type === 'select') {
      if (item.lateral) throw new UnsupportedQueryError('LATERAL derived tables are not supported');
      const body = item.expr.ast ?? item.expr;
      const alias = item.as ? ident(item.as) : null;
      if (!alias) throw new SqlGenInputError('parse_error', 'every derived table needs an alias');
      // A derived table sees the enclosing query's outer scopes, not its sibling tables.
      const cols = this.query(body, scope.parent, scope.ctes, 'lazy');
      rel = { kind: 'derived', qualifier: alias, columns: cols };
    } else if (item.table !== undefined) {
      rel = this.tableRelation(item, scope);
    } else if (item.expr?.type === 'values' || item.type === 'values') {
      throw new UnsupportedQueryError('VALUES in FROM is not supported');
    } else {
      throw new UnsupportedQueryError(`unsupported FROM item: ${JSON.stringify(item).slice(0, 120)}`);
    }
    if (rel) {
      if (scope.relations.some((r) => r.qualifier === rel!.qualifier && !(r.kind === 'base' && rel!.kind === 'base' && !r.aliased && !rel!.aliased && r.database !== rel!.database))) {
        throw new SqlGenInputError('ambiguous_table', `table name or alias ${rel.qualifier} is used twice in one FROM clause`);
      }
      scope.relations.push(rel);
      if (Array.isArray(item.using)) this.using(item.using, rel, scope);
    }
    this.joinCondition(item, scope);
  }

  private joinCondition(item: Node, scope: Scope): void {
    if (item.on) this.expr(item.on, scope, 'join');
  }

  private using(list: Node[], right: Relation, scope: Scope): void {
    const left = scope.relations.slice(0, -1);
    for (const u of list) {
      const name = ident(u).toLowerCase();
      const coalesced = scope.usingColumns.get(name);
      const leftRels = coalesced ?? left.filter((r) => this.hasColumn(r, name));
      if (leftRels.length === 0) throw new SqlGenInputError('unknown_column', `USING column ${name} is not a column of the tables before ${right.qualifier}`);
      if (leftRels.length > 1 && !coalesced) throw new SqlGenInputError('ambiguous_column', `USING column ${name} is in several tables before ${right.qualifier}`);
      if (!this.hasColumn(right, name)) throw new SqlGenInputError('unknown_column', `USING column ${name} is not a column of ${right.qualifier}`);
      for (const r of [...leftRels, right]) this.useColumn(r, name, 'join');
      scope.usingColumns.set(name, [...leftRels, right]);
    }
  }

  private tableRelation(item: Node, scope: Scope): Relation | null {
    const tableName = ident(item.table);
    const db = item.db ? ident(item.db) : null;
    if (db === null && tableName.toLowerCase() === 'dual') return null;
    if (db === null) {
      const cte = lookupCte(scope, tableName);
      if (cte) return { kind: 'derived', qualifier: item.as ? ident(item.as) : tableName, columns: cte.columns };
    }
    const database = db ?? this.defaultDatabase;
    if (database === null) throw new SqlGenInputError('unknown_table', `table ${tableName} has no database: qualify it (db.${tableName}) or give a default database`);
    const found = this.catalog.find(database, tableName);
    if (found.length === 0) {
      const near = this.catalog.data.tables.filter((t) => t.table.toLowerCase() === tableName.toLowerCase()).map((t) => `${t.database}.${t.table}`);
      throw new SqlGenInputError('unknown_table', `unknown table ${database}.${tableName}${near.length ? ` (the catalog has ${near.join(', ')})` : ''}`);
    }
    if (found.length > 1) throw new SqlGenInputError('ambiguous_table', `table ${database}.${tableName} exists on several servers (${found.map((t) => t.server).join(', ')})`);
    const table = found[0]!;
    let usage = this.usages.get(table);
    if (!usage) {
      usage = { table, columns: new Map() };
      this.usages.set(table, usage);
    }
    const byName = new Map(table.columns.map((c) => [c.name.toLowerCase(), c] as const));
    return { kind: 'base', qualifier: item.as ? ident(item.as) : tableName, aliased: Boolean(item.as), nullSupplied: /LEFT|FULL/i.test(String(item.join ?? '')), database, tableName, usage, byName };
  }

  private hasColumn(rel: Relation, lower: string): boolean {
    return rel.kind === 'base' ? rel.byName.has(lower) : rel.columns.some((c) => c.name === lower);
  }

  private columnExistsInScope(scope: Scope, lower: string): boolean {
    return scope.relations.some((r) => this.hasColumn(r, lower));
  }

  private matchesQualifier(rel: Relation, qualifier: string, db: string | null): boolean {
    if (db !== null) return rel.kind === 'base' && !rel.aliased && rel.database === db && rel.tableName === qualifier;
    return rel.qualifier === qualifier;
  }

  private mark(rel: BaseRelation, name: string, reason: Reason): void {
    const lower = name.toLowerCase();
    let reasons = rel.usage.columns.get(lower);
    if (!reasons) {
      reasons = new Set();
      rel.usage.columns.set(lower, reasons);
    }
    reasons.add(reason);
  }

  private useColumn(rel: Relation, lower: string, reason: Reason): void {
    if (rel.kind === 'base') {
      this.mark(rel, lower, reason);
      return;
    }
    // A derived table may expose the same name twice (SELECT a.*, b.*): MySQL refuses that; use all.
    for (const c of rel.columns) if (c.name === lower) c.use(reason);
  }

  private noteCase(rel: Relation, written: string): void {
    if (rel.kind !== 'base') return;
    const col = rel.byName.get(written.toLowerCase());
    if (col && col.name !== written && !this.features.caseMismatches.includes(written)) this.features.caseMismatches.push(written);
    if (col && this.ascendingOrderColumn && (col.nullable || rel.nullSupplied)) this.features.nullableOrderBy.push(`${rel.qualifier}.${col.name}`);
  }

  private columnRef(ref: Node, scope: Scope, clause: Reason): void {
    const column = ident(ref.column);
    if (column === '*') return;
    this.features.columnRefs++;
    const lower = column.toLowerCase();
    const qualifier = ref.table ? ident(ref.table) : null;
    const db = ref.db ? ident(ref.db) : null;
    if (qualifier !== null) {
      for (const [depth, s] of scopeChain(scope).entries()) {
        const matching = s.relations.filter((r) => this.matchesQualifier(r, qualifier, db));
        if (matching.length > 1) throw new SqlGenInputError('ambiguous_table', `${qualifier}.${column} is ambiguous: several tables are named ${qualifier}; give them aliases`);
        const rel = matching[0];
        if (!rel) continue;
        if (!this.hasColumn(rel, lower)) {
          const where = rel.kind === 'base' ? `${rel.database}.${rel.tableName}` : `derived table ${rel.qualifier}`;
          throw new SqlGenInputError('unknown_column', `unknown column ${qualifier}.${column}: ${where} has no column ${column}`);
        }
        if (depth > 0) this.features.correlated = true;
        this.noteCase(rel, column);
        this.useColumn(rel, lower, depth > 0 ? 'correlation' : clause);
        if (depth > 0) this.useColumn(rel, lower, clause);
        return;
      }
      throw new SqlGenInputError('unknown_table', `unknown table ${db ? `${db}.` : ''}${qualifier} in the column reference ${db ? `${db}.` : ''}${qualifier}.${column}`);
    }
    for (const [depth, s] of scopeChain(scope).entries()) {
      // MySQL: ORDER BY looks at select aliases (or a set operation's output names) before the
      // FROM columns; GROUP BY and HAVING after them.
      if (depth === 0 && clause === 'order by') {
        if (s.unionOutputs?.has(lower)) return;
        if (s.aliases.has(lower)) {
          if (this.columnExistsInScope(s, lower)) this.features.shadowingAliasInOrderBy.push(lower);
          return;
        }
      }
      const using = s.usingColumns.get(lower);
      if (using) {
        for (const r of using) this.useColumn(r, lower, depth > 0 ? 'correlation' : clause);
        if (depth > 0) this.features.correlated = true;
        return;
      }
      const candidates = s.relations.filter((r) => this.hasColumn(r, lower));
      if (candidates.length > 1) {
        throw new SqlGenInputError('ambiguous_column', `column ${column} is ambiguous: it is in ${candidates.map((r) => r.kind === 'base' ? `${r.database}.${r.tableName}${r.aliased ? ` (${r.qualifier})` : ''}` : r.qualifier).join(' and ')}`);
      }
      if (candidates.length === 1) {
        const rel = candidates[0]!;
        if (depth > 0) this.features.correlated = true;
        this.noteCase(rel, column);
        this.useColumn(rel, lower, depth > 0 ? 'correlation' : clause);
        if (depth > 0) this.useColumn(rel, lower, clause);
        return;
      }
      if (depth === 0 && (clause === 'group by' || clause === 'having' || clause === 'order by') && s.aliases.has(lower)) return;
    }
    const tables = scope.relations.map((r) => r.kind === 'base' ? `${r.database}.${r.tableName}` : r.qualifier);
    throw new SqlGenInputError('unknown_column', `unknown column ${column}${tables.length ? ` (not in ${tables.join(', ')}${scope.parent ? ' or an outer query' : ''})` : ''}`);
  }

  /** Walks an expression, resolving column references and descending into subqueries. */
  private expr(node: Node, scope: Scope, clause: Reason, inExists = false): void {
    if (node === null || node === undefined || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) this.expr(n, scope, clause, inExists);
      return;
    }
    if (node.ast && typeof node.ast === 'object') {
      this.query(node.ast, scope, scope.ctes, inExists ? 'ignore' : 'eager');
      return;
    }
    if (node.type === 'select') {
      this.query(node, scope, scope.ctes, inExists ? 'ignore' : 'eager');
      return;
    }
    switch (node.type) {
      case 'column_ref':
        this.columnRef(node, scope, clause);
        return;
      case 'double_quote_string':
        this.features.doubleQuotedStrings++;
        return;
      case 'aggr_func':
        if (AGGREGATES.has(String(node.name).toLowerCase())) this.features.aggregates = true;
        break;
      case 'cast':
        this.features.cast = true;
        break;
      case 'binary_expr':
        if (node.operator === '||') this.features.pipesOperator = true;
        if (['+', '-', '*', '/'].includes(node.operator) && isNumberLiteral(node.left) && isNumberLiteral(node.right) && (isFractional(node.left) || isFractional(node.right))) this.features.fractionalLiteralArithmetic++;
        break;
      case 'unary_expr':
        // NOT EXISTS (SELECT * …): the subquery's columns do not matter, only its rows.
        if (/EXISTS/i.test(String(node.operator))) {
          this.expr(node.expr, scope, clause, true);
          return;
        }
        break;
      case 'function': {
        const fname = functionName(node);
        if (fname === 'exists') {
          this.expr(node.args, scope, clause, true);
          return;
        }
        if (fname === 'convert') this.features.cast = true;
        if (AGGREGATES.has(fname)) this.features.aggregates = true;
        break;
      }
      default:
        break;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'tableList' || key === 'columnList' || key === 'loc') continue;
      if (key === 'over' && value) {
        this.expr(value, scope, 'window', inExists);
        continue;
      }
      if (value && typeof value === 'object') this.expr(value, scope, clause, inExists);
    }
  }
}

function isNumberLiteral(n: Node): boolean {
  return n?.type === 'number';
}

function isFractional(n: Node): boolean {
  return !Number.isInteger(Number(n.value)) || /[.eE]/.test(String(n.value));
}

/** The scope and its enclosing ones, innermost first (index = correlation depth). */
function scopeChain(scope: Scope): Scope[] {
  const chain: Scope[] = [];
  for (let s: Scope | null = scope; s; s = s.parent) chain.push(s);
  return chain;
}

function functionName(node: Node): string {
  const n = node.name;
  if (typeof n === 'string') return n.toLowerCase();
  const parts: Node[] = n?.name ?? [];
  return parts.map((p) => String(p?.value ?? '')).join('.').toLowerCase();
}

function outputName(item: Node): string | null {
  if (item?.as) return ident(item.as).toLowerCase();
  if (item?.expr?.type === 'column_ref') return ident(item.expr.column).toLowerCase();
  return null;
}

function lookupCte(scope: Scope, name: string): Cte | undefined {
  return scope.ctes.get(name);
}
