import { z } from 'zod';
import { PermanentError, TransientError } from '../../core/errors.js';
import type { Stage, StageOutput } from '../../core/stage.js';
import type { ConsumedRecord } from '../../ports/broker.js';
import type { Catalog } from './catalog.js';
import { MAX_QUERY_CHARS } from './compile.js';
import { SqlGenError } from './errors.js';
import { planWithFallback, type ColumnProposer, type PlanValidator } from './llm-fallback.js';
import type { SyncPlan } from './plan.js';
import type { PreviewResult } from './preview.js';

/** A sql-requests value: the query to turn into a sync job. */
const requestSchema = z
  .object({
    request_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, '1–128 of letters, digits, . _ : -'),
    query: z.string().min(1).max(MAX_QUERY_CHARS),
    default_database: z.string().min(1).max(64).nullish(),
    source: z.enum(['mysql-cdc', 'kafka-debezium-json']).optional(),
    /** Run the pull preview (the query's result now, over the live sources). */
    preview: z.boolean().default(true),
    requested_by: z.string().max(256).optional(),
  })
  .strict();

export type SqlRequest = z.input<typeof requestSchema>;

/** A sql-jobs value: the generated job (or why there is none), the preview, the report. */
export interface SqlJob {
  request_id: string;
  status: 'generated' | 'rejected';
  requested_by?: string;
  /** flinkSql, clickhouseSql, clickhouseSettings, tables with their columns, checks, path. */
  plan?: SyncPlan;
  /** What is wrong with the query (unknown table, not a SELECT, …) when rejected. */
  error?: { code: string; message: string };
  preview?: Pick<PreviewResult, 'columns' | 'rows' | 'rowCount' | 'truncated'> | { error: string };
  generated_at: string;
}

export interface SqlJobsDeps {
  /** The source catalog (information_schema of the configured servers), cached by the caller. */
  catalog(): Promise<Catalog>;
  source: 'mysql-cdc' | 'kafka-debezium-json';
  cdcTopicPrefix: string;
  /** The LLM fallback for queries the compiler does not handle; unset = none. */
  proposer?: ColumnProposer;
  validate?: PlanValidator;
  /** Runs the pull preview of a plan; unset = previews off. */
  preview?(plan: SyncPlan): Promise<PreviewResult>;
  previewRows: number;
  close?(): Promise<void>;
}

function parseRequest(value: Buffer | null): z.output<typeof requestSchema> {
  if (value === null || value.length === 0) throw new PermanentError('empty_value', 'sql request has no value');
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new PermanentError('malformed_json', `sql request is not JSON: ${(err as Error).message}`);
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) throw new PermanentError('schema_violation', `sql request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * sql-requests → sql-jobs: the compiler (LLM fallback only where it gives up), then the pull
 * preview. A malformed request goes to the DLQ; a well-formed request whose query cannot be
 * planned gets a `rejected` job saying why, so the requester always hears back. Keyed by request
 * id on a compacted topic: the latest job per request wins.
 */
export function createSqlJobsStage(deps: SqlJobsDeps): Stage {
  return {
    name: 'sqlgen',
    input: 'sql-requests',
    outputs: { topics: ['sql-jobs'], sinks: [] },
    async process(record: ConsumedRecord): Promise<StageOutput[]> {
      const request = parseRequest(record.value);
      const job: SqlJob = { request_id: request.request_id, status: 'generated', ...(request.requested_by ? { requested_by: request.requested_by } : {}), generated_at: new Date().toISOString() };
      let catalog: Catalog;
      try {
        catalog = await deps.catalog();
      } catch (err) {
        if (err instanceof TransientError) throw err;
        throw new TransientError('mysql', `source catalog: ${(err as Error).message}`, { cause: err });
      }
      try {
        job.plan = await planWithFallback(request.query, {
          catalog,
          defaultDatabase: request.default_database ?? null,
          source: request.source ?? deps.source,
          cdcTopicPrefix: deps.cdcTopicPrefix,
          proposer: deps.proposer,
          validate: deps.validate,
        });
      } catch (err) {
        if (!(err instanceof SqlGenError)) throw err;
        job.status = 'rejected';
        job.error = { code: err.code, message: err.message };
      }
      if (job.plan && request.preview && deps.preview) {
        try {
          const result = await deps.preview(job.plan);
          job.preview = { columns: result.columns, rows: result.rows.slice(0, deps.previewRows), rowCount: result.rowCount, truncated: result.truncated || result.rows.length > deps.previewRows };
        } catch (err) {
          // The job is still good without its preview (say a source is slow): say why it is missing.
          job.preview = { error: (err as Error).message };
        }
      }
      return [{ kind: 'record', topic: 'sql-jobs', key: request.request_id, value: JSON.stringify(job) }];
    },
    close: deps.close,
  };
}

