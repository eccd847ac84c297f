import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * All configuration comes from environment variables, declared once here with their default and
 * a one-line doc. The flat env map is parsed (every problem reported together), then turned into
 * the typed, nested {@link Config} the rest of the code uses ("parse, don't validate").
 */

interface EnvVar<T extends z.ZodType> {
  schema: T;
  /** Documented default; `undefined` means optional with no default. */
  default?: z.input<T>;
  doc: string;
  secret?: boolean;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();
const ratio = z.coerce.number().min(0).max(1);
const url = z.string().url();
/** A scheduled job's interval: 0 = off; a minimum guards against seconds typed as milliseconds. */
const scheduleInterval = z.coerce.number().int().refine((n) => n === 0 || n >= 60_000, 'must be 0 (off) or at least 60000 (1 min)');

function v<T extends z.ZodType>(schema: T, defaultValue: z.input<T> | undefined, doc: string, secret = false): EnvVar<T> {
  return { schema, default: defaultValue, doc, secret };
}

export const ENV_VARS = {
  // Kafka
  KAFKA_BROKERS: v(z.string().min(1), '127.0.0.1:9092', 'Comma-separated Kafka bootstrap servers.'),
  KAFKA_CLIENT: v(z.enum(['kafkajs', 'confluent']), 'kafkajs', 'Kafka client library behind the broker port: kafkajs or @confluentinc/kafka-javascript (optional install).'),
  KAFKA_CLIENT_ID: v(z.string().min(1), 'pipeline-doctor', 'Client id sent to the broker.'),
  KAFKA_SSL: v(bool, 'false', 'Use TLS to the brokers.'),
  KAFKA_SASL_MECHANISM: v(z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), undefined, 'SASL mechanism; unset means no SASL.'),
  KAFKA_SASL_USERNAME: v(z.string(), undefined, 'SASL username.'),
  KAFKA_SASL_PASSWORD: v(z.string(), undefined, 'SASL password.', true),
  PD_TOPIC_PREFIX: v(z.string().regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, ".", "_" and "-"'), 'pd.', 'Prefix of every topic the pipeline owns.'),
  PD_KAFKA_SESSION_TIMEOUT_MS: v(positiveInt.min(6000), '10000', 'Consumer group session timeout; a killed instance is replaced after this long.'),
  PD_EXACTLY_ONCE: v(bool, 'true', 'Produce outputs and commit input offsets in one Kafka transaction, so result topics hold each event once.'),
  PD_INSTANCE_ID: v(z.string().regex(/^[A-Za-z0-9._-]+$/), hostname().replace(/[^A-Za-z0-9._-]/g, '-'), 'Stable id of this process; the transactional id is derived from it so a restart fences its predecessor.'),
  // Schema registry
  SCHEMA_REGISTRY_URL: v(url, 'http://127.0.0.1:8080/apis/ccompat/v7', 'Confluent-compatible schema registry base URL.'),
  SCHEMA_REGISTRY_USERNAME: v(z.string(), undefined, 'Registry basic-auth user.'),
  SCHEMA_REGISTRY_PASSWORD: v(z.string(), undefined, 'Registry basic-auth password.', true),
  // MySQL
  MYSQL_URL: v(z.string().regex(/^mysql:\/\//, 'must start with mysql://'), 'mysql://pd:pd@127.0.0.1:3306/pipeline_doctor', 'MySQL/MariaDB connection URL (system of record).', true),
  PD_MYSQL_POOL_SIZE: v(positiveInt, '8', 'MySQL connection pool size.'),
  // ClickHouse
  CLICKHOUSE_URL: v(url, undefined, 'ClickHouse server URL; unset means the embedded chdb engine.'),
  CLICKHOUSE_USERNAME: v(z.string(), 'default', 'ClickHouse user (server mode).'),
  CLICKHOUSE_PASSWORD: v(z.string(), '', 'ClickHouse password (server mode).', true),
  CLICKHOUSE_DATABASE: v(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), 'pipeline_doctor', 'ClickHouse database of the pipeline tables.'),
  PD_CHDB_PATH: v(z.string().min(1), '.stack/chdb', 'Data folder of the embedded ClickHouse engine.'),
  // Runtime
  PD_STAGES: v(z.string().min(1), 'all', 'Comma-separated stages this process runs, or "all".'),
  PD_HTTP_HOST: v(z.string().min(1), '127.0.0.1', 'Bind address of /metrics, /healthz, /readyz and POST /feedback (which has no authentication: bind it to a trusted network only).'),
  PD_HTTP_PORT: v(z.coerce.number().int().min(0).max(65535), '9464', 'Port of the HTTP server (0 = pick a free port).'),
  PD_BATCH_MAX_RECORDS: v(positiveInt, '2000', 'Most records handled (and committed) as one unit.'),
  PD_PARTITION_CONCURRENCY: v(positiveInt.max(32), '3', 'Partitions a stage processes at once (each with its own transactional producer).'),
  PD_RETRY_MAX_ATTEMPTS: v(positiveInt, '6', 'Attempts for a batch hitting transient errors before its partition is paused.'),
  PD_RETRY_MIN_MS: v(positiveInt, '200', 'First retry backoff; doubles each attempt, with full jitter.'),
  PD_RETRY_MAX_MS: v(positiveInt, '5000', 'Backoff cap.'),
  PD_PAUSE_MS: v(positiveInt, '30000', 'How long a partition stays paused after retries are exhausted.'),
  PD_DRAIN_TIMEOUT_MS: v(positiveInt, '15000', 'SIGTERM: time allowed to finish the batch in hand and commit.'),
  PD_DLQ_MAX_INVALID_RATIO: v(ratio, '0.5', 'Circuit breaker: stop when this share of recent records went to the DLQ.'),
  PD_DLQ_WINDOW: v(positiveInt, '1000', 'Circuit breaker: number of recent records the ratio is computed over.'),
  PD_DLQ_MIN_SAMPLE: v(positiveInt, '200', 'Circuit breaker: records seen before the ratio is enforced.'),
  PD_MAX_MESSAGE_BYTES: v(positiveInt, '524288', 'Input values larger than this go to the DLQ as oversized.'),
  PD_JOIN_WINDOW_MS: v(positiveInt, '2000', 'Multi-line join: continuation lines (`\\tat`, `Caused by:`, …) of one job/host/task/thread join the event before them when they arrive within this long; a pending event is flushed after this long without new lines.'),
  PD_JOIN_MAX_LINES: v(positiveInt.min(10), '400', 'Multi-line join: most lines kept per event; further frames are counted, not kept (exception headers are kept while the byte limit allows).'),
  PD_JOIN_MAX_BYTES: v(positiveInt.min(1024), '262144', 'Multi-line join: most bytes kept per event.'),
  // Classifier
  PD_CLASSIFIER_MODEL: v(z.string().min(1), '.stack/models/classifier.json', 'Model file of the learned classifier, written by `pipeline-doctor train` and re-read within 5 s when it changes; while there is none, the rules decide alone.'),
  // Diagnosis: LLM, embeddings, vector store
  OPENAI_API_KEY: v(z.string().min(1), undefined, 'OpenAI API key. With it (or with OPENAI_BASE_URL) diagnoses are written by the LLM; without both, by the deterministic diagnoser.', true),
  OPENAI_BASE_URL: v(url, undefined, 'Base URL of an OpenAI-compatible server (e.g. the local stack\'s http://127.0.0.1:8090/v1); unset means api.openai.com.'),
  PD_LLM_MODEL: v(z.string().min(1), 'gpt-4o-mini', 'Chat model for diagnoses.'),
  PD_LLM_TIMEOUT_MS: v(positiveInt, '30000', 'Timeout of one LLM call.'),
  PD_LLM_MAX_RETRIES: v(z.coerce.number().int().min(0).max(10), '2', 'Retries of an LLM call on rate limits, timeouts and 5xx (the SDK backs off exponentially).'),
  PD_LLM_MAX_OUTPUT_TOKENS: v(positiveInt, '800', 'Token budget of one diagnosis answer.'),
  PD_LLM_MAX_PROMPT_CHARS: v(positiveInt.min(1000), '12000', 'Prompt budget: the error and the retrieved knowledge are cut to fit (about 4 characters per token; the local stack\'s 2048-token model needs about 3500).'),
  PD_EMBEDDINGS: v(z.enum(['hashing', 'openai']), 'hashing', 'Embedding model: hashing (offline, deterministic) or openai (PD_EMBEDDING_MODEL at PD_EMBEDDINGS_BASE_URL or OPENAI_BASE_URL).'),
  PD_EMBEDDINGS_BASE_URL: v(url, undefined, 'Base URL of the embeddings endpoint when it differs from OPENAI_BASE_URL (the local stack serves them on :8091).'),
  PD_EMBEDDING_MODEL: v(z.string().min(1), 'text-embedding-3-small', 'Embedding model name (PD_EMBEDDINGS=openai).'),
  PD_EMBEDDING_DIMENSION: v(positiveInt, '1536', 'Dimension of PD_EMBEDDING_MODEL\'s vectors; one vector collection per model and dimension.'),
  MILVUS_ADDRESS: v(z.string().min(1), undefined, 'Milvus host:port; unset means the embedded vector store in PD_VECTOR_DIR.'),
  MILVUS_USERNAME: v(z.string(), undefined, 'Milvus user.'),
  MILVUS_PASSWORD: v(z.string(), undefined, 'Milvus password.', true),
  PD_MILVUS_INDEX: v(z.enum(['IVF_FLAT', 'HNSW']), 'IVF_FLAT', 'Vector index (seed 001: IVF_FLAT, COSINE, nlist 128; HNSW for larger collections).'),
  PD_VECTOR_DIR: v(z.string().min(1), '.stack/vectors', 'Folder of the embedded vector store.'),
  PD_KB_DIR: v(z.string().min(1), 'kb', 'Knowledge base shipped with the project (cases.jsonl, docs.jsonl), relative to the package.'),
  PD_DIAGNOSIS_CACHE_TTL_MS: v(positiveInt, '3600000', 'One generation per fingerprint within this time.'),
  PD_DIAGNOSE_CLAIM_BATCH: v(positiveInt.max(1000), '10', 'Exceptions a diagnose worker claims at once.'),
  PD_DIAGNOSE_LEASE_MS: v(positiveInt.min(1000), '120000', 'How long a claim holds; a dead worker\'s rows return to the queue after this.'),
  PD_DIAGNOSE_MAX_ATTEMPTS: v(positiveInt, '5', 'Attempts per exception before it is marked failed.'),
  PD_DIAGNOSE_POLL_MS: v(positiveInt, '500', 'Pause between claims when the queue is empty.'),
  PD_AUTO_CASE_CONFIDENCE: v(ratio, '0.8', 'Diagnoses at or above this confidence become knowledge cases (auto, unverified).'),
  PD_ALERT_WINDOW_MS: v(positiveInt, '3600000', 'At most one alert per fingerprint per window.'),
  // Scheduled jobs (src/scheduler/): one run per slot across instances, claimed in MySQL scheduled_runs
  PD_SCHEDULE_RETENTION_MS: v(scheduleInterval, '86400000', 'Interval of the retention job (flink_job_exceptions past PD_RETENTION_DAYS archived, job_log_events past PD_RETENTION_LOG_EVENTS_DAYS deleted); slots align to the epoch in UTC, so daily runs at 00:00 UTC (or when the first instance starts after it). 0 = only `schedule run retention`.'),
  PD_SCHEDULE_REEMBED_MS: v(scheduleInterval, '604800000', 'Interval of the re-embedding job (every knowledge case in MySQL and kb/, and every doc, into the vector store again: picks up cases added or edited in knowledge_cases by hand and a changed embedding model). Weekly: each run embeds every case and doc. 0 = only by hand.'),
  PD_SCHEDULE_RETRAIN_MS: v(scheduleInterval, '0', 'Interval of the classifier retraining job (PD_RETRAIN_CORPUS plus operators\' corrected types → PD_CLASSIFIER_MODEL, reloaded by running classify stages; once per PD_INSTANCE_ID, as the model file is per host). Off by default: a new model changes live decisions unattended; e.g. 604800000 (weekly) once feedback flows.'),
  PD_SCHEDULE_POLL_MS: v(positiveInt.min(100), '30000', 'How often the scheduler looks for due runs, runs whose instance died (expired lease) and failed runs to retry.'),
  PD_SCHEDULE_LEASE_MS: v(positiveInt.min(1000), '600000', 'A scheduled run\'s claim lasts this long and is renewed every third of it while the run works; a dead instance\'s run is taken over after it. Also the wait before a failed run is retried.'),
  PD_SCHEDULE_MAX_ATTEMPTS: v(positiveInt.max(100), '3', 'Attempts per scheduled run (failures and takeovers); then the slot is left to the next one.'),
  PD_RETENTION_DAYS: v(positiveInt, '90', 'Retention: flink_job_exceptions rows created longer ago are moved to flink_job_exceptions_archive (seed 001 §5: 90 days, archivable). Knowledge cases are kept forever.'),
  PD_RETENTION_LOG_EVENTS_DAYS: v(z.coerce.number().int().min(0), '90', 'Retention: MySQL job_log_events rows (the raw error-bearing events behind the exceptions) created longer ago are deleted, not archived (the exceptions archive keeps each error\'s message and trace); 0 = kept forever.'),
  PD_RETENTION_BATCH_ROWS: v(positiveInt.max(100000), '1000', 'Retention: rows per transaction (never one giant delete).'),
  PD_RETRAIN_CORPUS: v(z.string().min(1), 'test/fixtures/flink-errors/corpus.jsonl', 'Retraining: comma-separated labelled NDJSON files, relative to the package, read as `train --corpus` reads them (not in the Docker image: set it to a mounted file there).'),
  // SQL sync jobs (sql-requests → sql-jobs; src/stages/sqlgen/)
  PD_SQLGEN_SOURCES: v(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*=mysql:\/\/\S+(,[A-Za-z][A-Za-z0-9_-]*=mysql:\/\/\S+)*$/, 'comma-separated name=mysql://user:password@host:port'), undefined, 'Source MySQL servers of the sqlgen stage\'s catalog and preview, as name=mysql://user:password@host:port,…; unset: one server named "local" at MYSQL_URL.', true),
  PD_SQLGEN_FLINK_SOURCE: v(z.enum(['mysql-cdc', 'kafka-debezium-json']), 'mysql-cdc', 'Source connector of generated Flink jobs when a request names none: Flink CDC\'s mysql-cdc, or kafka + debezium-json over the Debezium topics.'),
  PD_SQLGEN_CDC_PREFIX: v(z.string().regex(/^[A-Za-z0-9._-]+$/), 'cdc.local', 'Debezium topic prefix of the source tables (<prefix>.<db>.<table>), for kafka sources and the sync executor.'),
  PD_SQLGEN_PREVIEW_ROWS: v(z.coerce.number().int().min(0).max(10000), '100', 'Rows of the pull preview carried in a sql-jobs record; 0 = no preview.'),
  PD_SQLGEN_CATALOG_TTL_MS: v(positiveInt, '60000', 'How long the sqlgen stage reuses the source catalog (information_schema) before reading it again.'),
  LOG_LEVEL: v(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'Log level of the JSON logs.'),
} as const;

type EnvVars = typeof ENV_VARS;
type Parsed = { [K in keyof EnvVars]: z.output<EnvVars[K]['schema']> | (EnvVars[K]['default'] extends undefined ? undefined : never) };

export interface Config {
  kafka: {
    brokers: string[];
    client: 'kafkajs' | 'confluent';
    clientId: string;
    ssl: boolean;
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
    sessionTimeoutMs: number;
  };
  topicPrefix: string;
  instanceId: string;
  exactlyOnce: boolean;
  schemaRegistry: { url: string; auth?: { username: string; password: string } };
  mysql: { url: string; poolSize: number };
  clickhouse: { url?: string; username: string; password: string; database: string; chdbPath: string };
  http: { host: string; port: number };
  stages: string[] | 'all';
  runner: {
    batchMaxRecords: number;
    partitionConcurrency: number;
    retry: { maxAttempts: number; minMs: number; maxMs: number };
    pauseMs: number;
    drainTimeoutMs: number;
    dlq: { maxInvalidRatio: number; window: number; minSample: number };
  };
  ingest: { maxMessageBytes: number; join: { windowMs: number; maxLines: number; maxBytes: number } };
  classifier: { modelPath: string };
  diagnosis: {
    llm?: { apiKey: string; baseURL?: string; model: string; timeoutMs: number; maxRetries: number; maxOutputTokens: number; maxPromptChars: number };
    embeddings: { kind: 'hashing' } | { kind: 'openai'; apiKey: string; baseURL?: string; model: string; dimension: number };
    milvus?: { address: string; username?: string; password?: string; index: 'IVF_FLAT' | 'HNSW' };
    vectorDir: string;
    kbDir: string;
    cacheTtlMs: number;
    worker: { claimBatch: number; leaseMs: number; maxAttempts: number; pollMs: number; autoCaseConfidence: number; alertWindowMs: number };
  };
  sqlgen: {
    /** Named source servers (URLs hold credentials: never logged). */
    sources: { name: string; url: string }[];
    flinkSource: 'mysql-cdc' | 'kafka-debezium-json';
    cdcTopicPrefix: string;
    previewRows: number;
    catalogTtlMs: number;
  };
  scheduler: {
    /** Per job; 0 = not scheduled. */
    intervalsMs: { retention: number; reembed: number; retrain: number };
    pollMs: number;
    leaseMs: number;
    maxAttempts: number;
    retention: { exceptionDays: number; logEventDays: number; batchRows: number };
    retrainCorpus: string[];
  };
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const known = new Set(Object.keys(ENV_VARS));
  for (const name of Object.keys(env)) {
    // Our own prefix is closed: a typo such as PD_BATCH_MAX_RECORD must not be silently ignored.
    if (name.startsWith('PD_') && !known.has(name) && !IGNORED_PD_VARS.has(name)) {
      problems.push(`${name}: unknown variable (known PD_* variables: see \`pipeline-doctor config\`)`);
    }
  }
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_VARS) as [keyof EnvVars, EnvVar<z.ZodType>][]) {
    const raw = env[name] === undefined || env[name] === '' ? spec.default : env[name];
    if (raw === undefined) continue;
    const result = spec.schema.safeParse(raw);
    if (result.success) parsed[name] = result.data;
    else problems.push(`${name}=${spec.secret ? '***' : JSON.stringify(raw)}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  const p = parsed as Parsed;
  if (p.KAFKA_SASL_MECHANISM && (!p.KAFKA_SASL_USERNAME || !p.KAFKA_SASL_PASSWORD)) {
    problems.push('KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
  }
  if ((p.PD_RETRY_MIN_MS ?? 0) > (p.PD_RETRY_MAX_MS ?? Infinity)) problems.push('PD_RETRY_MIN_MS must not exceed PD_RETRY_MAX_MS');
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    kafka: {
      brokers: p.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
      client: p.KAFKA_CLIENT,
      clientId: p.KAFKA_CLIENT_ID,
      ssl: p.KAFKA_SSL,
      sasl: p.KAFKA_SASL_MECHANISM
        ? { mechanism: p.KAFKA_SASL_MECHANISM, username: p.KAFKA_SASL_USERNAME!, password: p.KAFKA_SASL_PASSWORD! }
        : undefined,
      sessionTimeoutMs: p.PD_KAFKA_SESSION_TIMEOUT_MS,
    },
    topicPrefix: p.PD_TOPIC_PREFIX,
    instanceId: p.PD_INSTANCE_ID,
    exactlyOnce: p.PD_EXACTLY_ONCE,
    schemaRegistry: {
      url: p.SCHEMA_REGISTRY_URL,
      auth: p.SCHEMA_REGISTRY_USERNAME ? { username: p.SCHEMA_REGISTRY_USERNAME, password: p.SCHEMA_REGISTRY_PASSWORD ?? '' } : undefined,
    },
    mysql: { url: p.MYSQL_URL, poolSize: p.PD_MYSQL_POOL_SIZE },
    clickhouse: {
      url: p.CLICKHOUSE_URL,
      username: p.CLICKHOUSE_USERNAME,
      password: p.CLICKHOUSE_PASSWORD,
      database: p.CLICKHOUSE_DATABASE,
      chdbPath: p.PD_CHDB_PATH,
    },
    http: { host: p.PD_HTTP_HOST, port: p.PD_HTTP_PORT },
    stages: p.PD_STAGES === 'all' ? 'all' : p.PD_STAGES.split(',').map((s) => s.trim()).filter(Boolean),
    runner: {
      batchMaxRecords: p.PD_BATCH_MAX_RECORDS,
      partitionConcurrency: p.PD_PARTITION_CONCURRENCY,
      retry: { maxAttempts: p.PD_RETRY_MAX_ATTEMPTS, minMs: p.PD_RETRY_MIN_MS, maxMs: p.PD_RETRY_MAX_MS },
      pauseMs: p.PD_PAUSE_MS,
      drainTimeoutMs: p.PD_DRAIN_TIMEOUT_MS,
      dlq: { maxInvalidRatio: p.PD_DLQ_MAX_INVALID_RATIO, window: p.PD_DLQ_WINDOW, minSample: p.PD_DLQ_MIN_SAMPLE },
    },
    ingest: { maxMessageBytes: p.PD_MAX_MESSAGE_BYTES, join: { windowMs: p.PD_JOIN_WINDOW_MS, maxLines: p.PD_JOIN_MAX_LINES, maxBytes: p.PD_JOIN_MAX_BYTES } },
    classifier: { modelPath: p.PD_CLASSIFIER_MODEL },
    diagnosis: {
      // A local OpenAI-compatible server needs no key; the SDK still wants a non-empty one.
      llm: p.OPENAI_API_KEY || p.OPENAI_BASE_URL
        ? { apiKey: p.OPENAI_API_KEY ?? 'not-needed', baseURL: p.OPENAI_BASE_URL, model: p.PD_LLM_MODEL, timeoutMs: p.PD_LLM_TIMEOUT_MS, maxRetries: p.PD_LLM_MAX_RETRIES, maxOutputTokens: p.PD_LLM_MAX_OUTPUT_TOKENS, maxPromptChars: p.PD_LLM_MAX_PROMPT_CHARS }
        : undefined,
      embeddings: p.PD_EMBEDDINGS === 'openai'
        ? { kind: 'openai', apiKey: p.OPENAI_API_KEY ?? 'not-needed', baseURL: p.PD_EMBEDDINGS_BASE_URL ?? p.OPENAI_BASE_URL, model: p.PD_EMBEDDING_MODEL, dimension: p.PD_EMBEDDING_DIMENSION }
        : { kind: 'hashing' },
      milvus: p.MILVUS_ADDRESS ? { address: p.MILVUS_ADDRESS, username: p.MILVUS_USERNAME, password: p.MILVUS_PASSWORD, index: p.PD_MILVUS_INDEX } : undefined,
      vectorDir: p.PD_VECTOR_DIR,
      kbDir: p.PD_KB_DIR,
      cacheTtlMs: p.PD_DIAGNOSIS_CACHE_TTL_MS,
      worker: {
        claimBatch: p.PD_DIAGNOSE_CLAIM_BATCH,
        leaseMs: p.PD_DIAGNOSE_LEASE_MS,
        maxAttempts: p.PD_DIAGNOSE_MAX_ATTEMPTS,
        pollMs: p.PD_DIAGNOSE_POLL_MS,
        autoCaseConfidence: p.PD_AUTO_CASE_CONFIDENCE,
        alertWindowMs: p.PD_ALERT_WINDOW_MS,
      },
    },
    sqlgen: {
      sources: p.PD_SQLGEN_SOURCES
        ? p.PD_SQLGEN_SOURCES.split(',').map((entry) => ({ name: entry.slice(0, entry.indexOf('=')), url: entry.slice(entry.indexOf('=') + 1) }))
        : [{ name: 'local', url: p.MYSQL_URL }],
      flinkSource: p.PD_SQLGEN_FLINK_SOURCE,
      cdcTopicPrefix: p.PD_SQLGEN_CDC_PREFIX,
      previewRows: p.PD_SQLGEN_PREVIEW_ROWS,
      catalogTtlMs: p.PD_SQLGEN_CATALOG_TTL_MS,
    },
    scheduler: {
      intervalsMs: { retention: p.PD_SCHEDULE_RETENTION_MS, reembed: p.PD_SCHEDULE_REEMBED_MS, retrain: p.PD_SCHEDULE_RETRAIN_MS },
      pollMs: p.PD_SCHEDULE_POLL_MS,
      leaseMs: p.PD_SCHEDULE_LEASE_MS,
      maxAttempts: p.PD_SCHEDULE_MAX_ATTEMPTS,
      retention: { exceptionDays: p.PD_RETENTION_DAYS, logEventDays: p.PD_RETENTION_LOG_EVENTS_DAYS, batchRows: p.PD_RETENTION_BATCH_ROWS },
      retrainCorpus: p.PD_RETRAIN_CORPUS.split(',').map((f) => f.trim()).filter(Boolean),
    },
    logLevel: p.LOG_LEVEL,
  };
}

/** PD_* variables read by scripts rather than the pipeline (stack folders, test switches). */
const IGNORED_PD_VARS = new Set([
  'PD_CACHE_DIR', 'PD_STACK_DIR', 'PD_FROM_SOURCE', 'PD_STACK_TIMEOUT_MS', 'PD_STACK_TIMEOUT_S', 'PD_STACK_MODE',
  'PD_APICURIO_MANAGEMENT_PORT', 'PD_APICURIO_JAVA', 'PD_KAFKA_JAVA', 'PD_CONNECT_JAVA', 'PD_PYTHON',
  'PD_MILVUS_PORT', 'PD_MILVUS_HEALTH_PORT', 'PD_MILVUS_ETCD_PORT', 'PD_LLM_CHAT_PORT', 'PD_LLM_EMBEDDINGS_PORT', 'PD_LLM_GGUF', 'PD_LLM_THREADS',
]);

/** Markdown table of every variable, its default and meaning: `pipeline-doctor config`. */
export function describeEnvVars(): string {
  const rows = Object.entries(ENV_VARS).map(([name, spec]) => {
    const def = spec.default === undefined ? '(unset)' : name === 'PD_INSTANCE_ID' ? '(host name)' : `\`${String(spec.default)}\``;
    return `| \`${name}\` | ${def} | ${spec.doc}${spec.secret ? ' Secret: never logged.' : ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
