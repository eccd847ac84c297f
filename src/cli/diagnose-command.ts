import type { Command } from 'commander';
import { createLogger } from '../core/logger.js';
import { classifyEvent } from '../stages/classify/classify-event.js';
import { createDiagnosisServices } from '../stages/diagnose/diagnosis-services.js';
import { parseFormat, readErrorInputs } from './error-input.js';
import { loadConfigOrExit } from './shared.js';

function emit(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function registerDiagnoseCommand(program: Command): void {
  program
    .command('diagnose')
    .description('Diagnose error texts: one NDJSON diagnosis per input (root_cause, detailed_analysis, suggested_fix, priority, related_docs, confidence, provider).')
    .argument('[file]', 'input file (default: stdin)')
    .option('--format <format>', 'ndjson (objects with a "text" field, optional "level" and "id"), raw (log text; continuation lines join their event), or auto', 'auto')
    .addHelpText(
      'after',
      `
Examples:
  echo '{"text":"java.lang.OutOfMemoryError: Metaspace"}' | pipeline-doctor diagnose
  pipeline-doctor diagnose --format raw jobmanager.log

Same code path as the diagnose stage: classify, retrieve knowledge cases and Flink docs, then
generate. With OPENAI_API_KEY or OPENAI_BASE_URL set, an OpenAI(-compatible) model writes the
answer; otherwise the deterministic diagnoser composes it from the best case and docs
(provider "deterministic"). If the model fails, the deterministic answer is given with
"degraded": true. Embeddings and vectors default to offline ones (PD_EMBEDDINGS=hashing, the
embedded store in PD_VECTOR_DIR, filled from the shipped knowledge base on first use); set
MILVUS_ADDRESS for Milvus. Lines that are not errors give error_type "none" and no diagnosis.
A bad NDJSON line gives {"line":N,"error":"…"} and the exit code 3; the other lines still run.`,
    )
    .action(async (file: string | undefined, options: { format: string }) => {
      const format = parseFormat(options.format);
      const config = loadConfigOrExit();
      // stdout carries the results; logs go to stderr.
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'pipeline-doctor', process.stderr);
      const services = await createDiagnosisServices(config, log);
      let bad = 0;
      try {
        for await (const input of readErrorInputs(file, format)) {
          if (input.kind === 'bad') {
            emit({ line: input.line, error: input.error });
            bad++;
            continue;
          }
          const where = { ...(input.id === undefined ? {} : { id: input.id }), ...(input.line === undefined ? {} : { line: input.line }), ...(input.event === undefined ? {} : { event: input.event }) };
          const classified = classifyEvent(input.text, input.level);
          if (classified.error_type === 'none') {
            emit({ ...where, error_type: 'none' });
            continue;
          }
          const diagnosis = await services.diagnoser.diagnose({
            text: input.text,
            errorType: classified.error_type,
            subtype: classified.subtype,
            classifyConfidence: classified.confidence,
            fingerprint: classified.fingerprint,
          });
          emit({ ...where, error_type: classified.error_type, subtype: classified.subtype, fingerprint: classified.fingerprint, ...diagnosis.answer, confidence: diagnosis.confidence, provider: diagnosis.provider, degraded: diagnosis.degraded, cached: diagnosis.cached, cases: diagnosis.cases.slice(0, 3) });
        }
      } finally {
        await services.close();
      }
      if (bad > 0) process.exitCode = 3;
    });
}
