import { TransientError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { PipelineMetrics } from '../../core/metrics.js';
import type { BrokerProducer, OutgoingRecord, TopicRecords } from '../../ports/broker.js';
import type { ClaimedException, ExceptionStore } from '../../adapters/mysql/exception-store.js';
import type { KnowledgeCaseStore } from '../../adapters/mysql/knowledge-case-store.js';
import type { Diagnoser, Diagnosis } from './diagnoser.js';
import type { Retriever } from './retriever.js';

export interface DiagnoseWorkerOptions {
  workerId: string;
  store: ExceptionStore;
  cases: KnowledgeCaseStore;
  diagnoser: Diagnoser;
  retriever: Retriever;
  producer: BrokerProducer;
  topics: { diagnoses: string; alerts: string };
  log: Logger;
  metrics: PipelineMetrics;
  claimBatch: number;
  leaseMs: number;
  maxAttempts: number;
  pollMs: number;
  /** Diagnoses at or above this confidence become knowledge cases (auto, unverified). */
  autoCaseConfidence: number;
  /** At most one alert per fingerprint per window. */
  alertWindowMs: number;
  now?: () => number;
}

/** What the diagnoses topic carries for each exception (and analytics consumes). */
export interface DiagnosisRecord {
  exception_id: string;
  event_id: string | null;
  job_id: string;
  job_name: string | null;
  error_type: string | null;
  subtype: string | null;
  fingerprint: string | null;
  event_time: string | null;
  diagnosed_at: string;
  time_to_diagnosis_ms: number | null;
  diagnosis: Diagnosis['answer'];
  confidence: number;
  provider: string;
  degraded: boolean;
  cached: boolean;
  similar_cases: Diagnosis['cases'];
}

/**
 * Works the flink_job_exceptions queue: claims pending rows (whoever inserted them), diagnoses,
 * stores the result under the claim, turns confident diagnoses into knowledge cases, and
 * publishes diagnoses and alerts. A failed attempt gives the row back (pending again, until the
 * attempts run out); a dead worker's claims expire and another worker takes them.
 */
export class DiagnoseWorker {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly lastAlert = new Map<string, number>();
  private readonly seenFingerprints = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly o: DiagnoseWorkerOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the rows in hand (their claims would expire anyway), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One claim-diagnose-store round; returns how many rows it handled. Public for tests. */
  async runOnce(): Promise<number> {
    const rows = await this.o.store.claim(this.o.workerId, this.o.claimBatch, this.o.leaseMs);
    const done: { row: ClaimedException; diagnosis: Diagnosis }[] = [];
    for (const row of rows) {
      if (!this.running && this.loop) {
        // Stopping: give the rest back now instead of letting the claims expire.
        await this.o.store.fail(row.id, row.claim_token, 'worker stopping', Number.MAX_SAFE_INTEGER).catch(() => undefined);
        continue;
      }
      const diagnosis = await this.diagnose(row);
      if (diagnosis) done.push({ row, diagnosis });
    }
    if (done.length === 0) return rows.length;
    // Publish first, then complete: a crash in between re-diagnoses the rows after their lease
    // (duplicates on the topic, keyed by exception_id) instead of losing publications.
    await this.o.producer.send(this.recordsFor(done));
    await this.complete(done);
    return rows.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (err) {
        this.o.log.warn({ err: errorMessage(err) }, 'claiming exceptions failed; retrying');
      }
      if (handled === 0 && this.running) await this.sleep(this.o.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The row's diagnosis, or undefined when it failed (the row is given back). */
  private async diagnose(row: ClaimedException): Promise<Diagnosis | undefined> {
    try {
      return await this.o.diagnoser.diagnose({
        text: row.stack_trace ? `${row.error_message}\n${row.stack_trace}` : row.error_message,
        errorType: row.error_type ?? 'other',
        subtype: row.error_subtype,
        classifyConfidence: row.classify_confidence ?? 0,
        fingerprint: row.fingerprint,
      });
    } catch (err) {
      // Retrieval down (Milvus, embeddings) or a bug: the row goes back, nothing is lost.
      const final = row.attempts >= this.o.maxAttempts;
      this.o.metrics.diagnoseFailures.inc({ final: String(final) });
      this.o.log.warn({ exception: row.id, attempts: row.attempts, transient: err instanceof TransientError, err: errorMessage(err) }, final ? 'diagnosis failed for good' : 'diagnosis failed; row returned to pending');
      await this.o.store.fail(row.id, row.claim_token, errorMessage(err), this.o.maxAttempts);
      return undefined;
    }
  }

  private async complete(done: { row: ClaimedException; diagnosis: Diagnosis }[]): Promise<void> {
    const lost = await this.o.store.complete(
      done.map(({ row, diagnosis }) => ({
        id: row.id,
        claimToken: row.claim_token,
        // A degraded answer says so in the row, for analysts and for a later re-diagnosis.
        result: { suggestedFix: diagnosis.answer, confidence: diagnosis.confidence, provider: diagnosis.degraded ? `${diagnosis.provider}:degraded` : diagnosis.provider },
      })),
    );
    for (const { row, diagnosis } of done) {
      if (lost.has(row.id)) {
        // The lease expired and another worker owns the row now: its result is the stored one.
        this.o.log.warn({ exception: row.id }, 'claim lost before completion; the new owner stores its result');
        continue;
      }
      this.o.metrics.diagnoses.inc({ provider: diagnosis.provider, degraded: String(diagnosis.degraded) });
      await this.learn(row, diagnosis);
    }
  }

  /** A confident, model-written diagnosis becomes a knowledge case: one per fingerprint. */
  private async learn(row: ClaimedException, diagnosis: Diagnosis): Promise<void> {
    if (diagnosis.degraded || diagnosis.cached || diagnosis.provider === 'deterministic' || diagnosis.confidence < this.o.autoCaseConfidence || !row.fingerprint || !row.error_type) return;
    const auto = {
      case_id: `auto-${row.fingerprint}`.slice(0, 32),
      error_type: row.error_type,
      subtype: row.error_subtype ?? 'unknown',
      error_pattern: diagnosis.answer.root_cause.slice(0, 2000),
      root_cause: diagnosis.answer.root_cause,
      solution: diagnosis.answer.suggested_fix,
      keywords: [] as string[],
      related_docs: diagnosis.docs.map((d) => d.doc_id),
      verified: false,
    };
    await this.o.cases.upsert([{ ...auto, error_subtype: auto.subtype, fingerprint: row.fingerprint, source_exception_id: row.id, source_type: 'auto' }]);
    await this.o.retriever.indexCases([auto]);
  }

  /** Diagnoses topic records, plus alerts where due. */
  private recordsFor(done: { row: ClaimedException; diagnosis: Diagnosis }[]): TopicRecords[] {
    const diagnoses: OutgoingRecord[] = [];
    const alerts: OutgoingRecord[] = [];
    for (const { row, diagnosis } of done) {
      const record = this.diagnosisRecord(row, diagnosis);
      const headers = { 'pd.exception_id': row.id };
      diagnoses.push({ key: row.job_id, value: JSON.stringify(record), headers });
      const alert = this.alertReason(row, diagnosis);
      if (alert) alerts.push({ key: row.fingerprint ?? row.id, value: JSON.stringify({ reason: alert, ...record }), headers });
    }
    return [{ topic: this.o.topics.diagnoses, messages: diagnoses }, { topic: this.o.topics.alerts, messages: alerts }];
  }

  private diagnosisRecord(row: ClaimedException, diagnosis: Diagnosis): DiagnosisRecord {
    const diagnosedAt = new Date(this.now());
    const eventMs = row.event_time ? Date.parse(`${row.event_time.replace(' ', 'T')}Z`) : NaN;
    return {
      exception_id: row.id,
      event_id: row.event_id,
      job_id: row.job_id,
      job_name: row.job_name,
      error_type: row.error_type,
      subtype: row.error_subtype,
      fingerprint: row.fingerprint,
      event_time: row.event_time,
      diagnosed_at: diagnosedAt.toISOString(),
      time_to_diagnosis_ms: Number.isFinite(eventMs) ? Math.max(0, diagnosedAt.getTime() - eventMs) : null,
      diagnosis: diagnosis.answer,
      confidence: diagnosis.confidence,
      provider: diagnosis.degraded ? `${diagnosis.provider}:degraded` : diagnosis.provider,
      degraded: diagnosis.degraded,
      cached: diagnosis.cached,
      similar_cases: diagnosis.cases.slice(0, 3),
    };
  }

  /** High priority or a fingerprint this worker has not seen, once per fingerprint per window. */
  private alertReason(row: ClaimedException, diagnosis: Diagnosis): 'high_priority' | 'first_seen' | null {
    const key = row.fingerprint ?? row.id;
    const firstSeen = !this.seenFingerprints.has(key);
    this.seenFingerprints.add(key);
    const reason = firstSeen ? 'first_seen' : diagnosis.answer.priority === 'high' ? 'high_priority' : null;
    if (!reason) return null;
    const last = this.lastAlert.get(key);
    if (last !== undefined && this.now() - last < this.o.alertWindowMs) return null;
    this.lastAlert.set(key, this.now());
    return reason;
  }
}
