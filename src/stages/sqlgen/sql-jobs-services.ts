import { splitStatements } from '../../adapters/clickhouse/clickhouse.js';
import { checkQueryOnScratchClickHouse } from '../../adapters/clickhouse/scratch-check.js';
import { OpenAiColumnProposer } from '../../adapters/llm/openai-column-proposer.js';
import { readMysqlCatalog } from '../../adapters/mysql/source-catalog.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { Catalog } from './catalog.js';
import type { PlanValidator } from './llm-fallback.js';
import type { SyncPlan } from './plan.js';
import { PreviewWorker, previewRequestFromPlan } from './preview.js';
import type { SqlJobsDeps } from './sql-jobs-stage.js';

/** The unchanged query must run on ClickHouse against the DDL an LLM-proposed plan implies. */
export const clickhouseValidator: PlanValidator = async (plan: SyncPlan) => {
  const result = await checkQueryOnScratchClickHouse({
    ddl: plan.clickhouseStatements ?? splitStatements(plan.clickhouseSql),
    query: plan.query,
    settings: plan.clickhouseSettings,
    defaultDatabase: plan.defaultDatabase,
  });
  return result.ok ? null : `the unchanged query fails on ClickHouse with the generated tables: ${result.error}`;
};

/**
 * What the sqlgen stage needs, from the configuration: the catalog of the source servers (read
 * again after PD_SQLGEN_CATALOG_TTL_MS), the LLM fallback when an LLM is configured, and a
 * preview worker (a child process with its own embedded ClickHouse) started on first use.
 */
export function sqlJobsDeps(config: Pick<Config, 'sqlgen' | 'diagnosis'>, log: Logger): SqlJobsDeps {
  const { sources, catalogTtlMs } = config.sqlgen;
  let cached: { catalog: Catalog; readAt: number } | undefined;
  let worker: PreviewWorker | undefined;
  const llm = config.diagnosis.llm;
  return {
    async catalog() {
      if (cached && Date.now() - cached.readAt < catalogTtlMs) return cached.catalog;
      const catalog = Catalog.merge(await Promise.all(sources.map((s) => readMysqlCatalog({ name: s.name, url: s.url }))));
      cached = { catalog, readAt: Date.now() };
      log.info({ servers: sources.map((s) => s.name), tables: catalog.data.tables.length }, 'source catalog read');
      return catalog;
    },
    source: config.sqlgen.flinkSource,
    cdcTopicPrefix: config.sqlgen.cdcTopicPrefix,
    proposer: llm ? new OpenAiColumnProposer(llm) : undefined,
    validate: clickhouseValidator,
    previewRows: config.sqlgen.previewRows,
    preview:
      config.sqlgen.previewRows > 0
        ? async (plan) => {
            // A preview worker that died (timeout) is replaced for the next request.
            worker ??= PreviewWorker.start();
            try {
              return await worker.preview(previewRequestFromPlan(plan, sources, { maxRows: config.sqlgen.previewRows, timeoutMs: 60_000 }));
            } catch (err) {
              await worker.close().catch(() => undefined);
              worker = undefined;
              throw err;
            }
          }
        : undefined,
    async close() {
      await worker?.close();
    },
  };
}
