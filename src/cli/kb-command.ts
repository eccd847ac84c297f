import type { Command } from 'commander';
import { createMysqlPool, migrateMysql } from '../adapters/mysql/mysql.js';
import { KnowledgeCaseStore } from '../adapters/mysql/knowledge-case-store.js';
import { createLogger, redactUrl } from '../core/logger.js';
import { createEmbedder, createVectorStore, indexKnowledgeBase, knowledgeBaseDir } from '../stages/diagnose/diagnosis-services.js';
import { readKnowledgeBase } from '../stages/diagnose/knowledge-base.js';
import { Retriever } from '../stages/diagnose/retriever.js';
import { loadConfigOrExit } from './shared.js';

export function registerKbCommand(program: Command): void {
  const kb = program.command('kb').description('The knowledge base shipped with the project (kb/cases.jsonl, kb/docs.jsonl).');
  kb.command('load')
    .description('Load the knowledge base: cases into MySQL knowledge_cases (source_type manual) and their vectors, docs into the vector store. Idempotent (upsert by id).')
    .option('--dir <dir>', 'knowledge base folder (default: PD_KB_DIR)')
    .option('--no-mysql', 'only the vector store (e.g. without a MySQL server)')
    .addHelpText(
      'after',
      `
Vectors go to Milvus when MILVUS_ADDRESS is set, else to the embedded store in PD_VECTOR_DIR,
in collections named per embedding model (flink_cases_<model>_<dim>, flink_docs_<model>_<dim>).
Running it twice changes nothing; a case someone marked verified stays verified.`,
    )
    .action(async (options: { dir?: string; mysql: boolean }) => {
      const config = loadConfigOrExit(options.dir ? { PD_KB_DIR: options.dir } : {});
      const log = createLogger(config.logLevel);
      const base = readKnowledgeBase(knowledgeBaseDir(config));
      const embedder = createEmbedder(config);
      const store = await createVectorStore(config);
      try {
        const retriever = new Retriever(embedder, store);
        await retriever.ensureCollections();
        await indexKnowledgeBase(retriever, base);
        process.stdout.write(`vectors: ${base.cases.length} cases → ${retriever.collections.cases}, ${base.docs.length} docs → ${retriever.collections.docs} (${store.kind}, ${embedder.model})\n`);
      } finally {
        await store.close();
      }
      if (!options.mysql) return;
      await migrateMysql(config.mysql.url, log);
      const pool = createMysqlPool(config.mysql.url, 2);
      try {
        await new KnowledgeCaseStore(pool).upsert(
          base.cases.map((c) => ({ case_id: c.case_id, error_type: c.error_type, error_subtype: c.subtype, error_pattern: c.error_pattern, root_cause: c.root_cause, solution: c.solution, fingerprint: null, source_exception_id: null, source_type: 'manual', verified: c.verified })),
        );
        process.stdout.write(`mysql: ${base.cases.length} cases upserted into knowledge_cases (${redactUrl(config.mysql.url)})\n`);
      } finally {
        await pool.end();
      }
    });
}
