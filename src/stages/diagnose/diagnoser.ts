import { createHash } from 'node:crypto';
import { TransientError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DiagnosisAnswer, Generator } from '../../ports/retrieval.js';
import { InvalidModelAnswerError } from '../../adapters/llm/openai-adapters.js';
import { failureEvidence } from '../classify/classifier.js';
import { condenseError, retrievalQuery } from './condense.js';
import { DeterministicGenerator } from './deterministic-generator.js';
import type { Retriever } from './retriever.js';

export interface DiagnoseInput {
  text: string;
  errorType: string;
  subtype: string | null;
  /** The classifier's confidence: when high, retrieval filters cases by type. */
  classifyConfidence: number;
  fingerprint: string | null;
}

export interface Diagnosis {
  answer: DiagnosisAnswer;
  confidence: number;
  /** Which generator answered, e.g. "openai:gpt-4o-mini" or "deterministic". */
  provider: string;
  /** True when the LLM was configured but could not answer; the answer is the deterministic one. */
  degraded: boolean;
  degradedReason?: string;
  /** unavailable: the LLM could not be reached (asked again soon); unusable_answer: it answered, but not usably (kept for the TTL). */
  degradedKind?: 'unavailable' | 'unusable_answer';
  /** True when the answer was reused from an earlier error with the same fingerprint. */
  cached: boolean;
  fingerprint: string | null;
  cases: { case_id: string; score: number }[];
  docs: { doc_id: string; doc_url: string; score: number }[];
}

/** A cache shared by the workers of a deployment, with a lock so one generates a fingerprint at a time. */
export interface SharedDiagnosisCache {
  get(key: string): Promise<Diagnosis | undefined>;
  put(key: string, diagnosis: Diagnosis, ttlMs: number): Promise<void>;
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export interface DiagnoserOptions {
  retriever: Retriever;
  /** The LLM; absent means the deterministic diagnoser answers (not degraded: by configuration). */
  llm?: Generator;
  log: Logger;
  /** One generation per fingerprint within this time. */
  cacheTtlMs: number;
  /** A degraded answer is kept only briefly, so the LLM is asked again once it is back. */
  degradedTtlMs?: number;
  maxCacheEntries?: number;
  /** Shared between processes (MySQL); without it the cache is per process. */
  shared?: SharedDiagnosisCache;
  /** Called after each generator call (metrics: calls, tokens). */
  onGeneration?: (provider: string, outcome: 'ok' | 'failed', usage?: { promptTokens: number; completionTokens: number }) => void;
  onCache?: (outcome: 'hit' | 'miss') => void;
  now?: () => number;
}

const CONFIDENT_CLASSIFICATION = 0.8;

/**
 * Retrieval-augmented diagnosis: condense the error, retrieve cases and docs, generate an
 * answer (LLM, else deterministic). Answers are cached per fingerprint, and concurrent requests
 * for one fingerprint share one generation, so LLM calls grow with distinct failures.
 */
export class Diagnoser {
  private readonly cache = new Map<string, { diagnosis: Diagnosis; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<Diagnosis>>();
  private readonly fallback = new DeterministicGenerator();
  private readonly now: () => number;

  constructor(private readonly options: DiagnoserOptions) {
    this.now = options.now ?? Date.now;
  }

  get llmName(): string | undefined {
    return this.options.llm?.name;
  }

  async diagnose(input: DiagnoseInput): Promise<Diagnosis> {
    const condensed = condenseError(input.text);
    const key = input.fingerprint ?? createHash('sha256').update(condensed).digest('hex').slice(0, 16);
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > this.now()) {
      this.options.onCache?.('hit');
      return { ...hit.diagnosis, cached: true };
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.options.onCache?.('hit');
      return { ...(await pending), cached: true };
    }
    const work = this.sharedOrGenerate(key, input, condensed).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    const diagnosis = await work;
    this.remember(key, diagnosis);
    return diagnosis;
  }

  /** Another worker's answer for the fingerprint when there is one, else a generation under the fingerprint's lock. */
  private async sharedOrGenerate(key: string, input: DiagnoseInput, condensed: string): Promise<Diagnosis> {
    const { shared } = this.options;
    const reuse = async () => {
      const found = await shared?.get(key);
      if (found) this.options.onCache?.('hit');
      return found ? { ...found, cached: true } : undefined;
    };
    const generateAndShare = async () => {
      this.options.onCache?.('miss');
      const diagnosis = await this.generate(input, condensed);
      if (shared && diagnosis.degradedKind !== 'unavailable') await shared.put(key, diagnosis, this.options.cacheTtlMs);
      return diagnosis;
    };
    if (!shared) return generateAndShare();
    return (await reuse()) ?? shared.withLock(key, async () => (await reuse()) ?? generateAndShare());
  }

  private async generate(input: DiagnoseInput, condensed: string): Promise<Diagnosis> {
    const { cases, docs } = await this.options.retriever.retrieve(retrievalQuery(input.text), {
      errorType: input.errorType,
      subtype: input.subtype,
      evidence: failureEvidence(input.text),
      confident: input.classifyConfidence >= CONFIDENT_CLASSIFICATION,
    });
    const request = { error: condensed, errorType: input.errorType, subtype: input.subtype, cases, docs };
    const base = {
      cached: false,
      fingerprint: input.fingerprint,
      cases: cases.map((c) => ({ case_id: c.case_id, score: Number(c.score.toFixed(4)) })),
      docs: docs.map((d) => ({ doc_id: d.doc_id, doc_url: d.doc_url, score: Number(d.score.toFixed(4)) })),
    };
    const { llm } = this.options;
    if (llm) {
      try {
        const result = await llm.generate(request);
        this.options.onGeneration?.(llm.name, 'ok', result.usage);
        return { ...base, answer: result.answer, confidence: result.confidence, provider: llm.name, degraded: false };
      } catch (err) {
        // Degrade rather than stop: the LLM being down or answering nonsense must not hold diagnoses back.
        if (!(err instanceof TransientError) && !(err instanceof InvalidModelAnswerError)) throw err;
        this.options.onGeneration?.(llm.name, 'failed');
        this.options.log.warn({ provider: llm.name, err: errorMessage(err) }, 'LLM unavailable; deterministic diagnosis (degraded)');
        const result = await this.fallback.generate(request);
        const degradedKind = err instanceof TransientError ? 'unavailable' : 'unusable_answer';
        return { ...base, answer: result.answer, confidence: result.confidence, provider: this.fallback.name, degraded: true, degradedReason: errorMessage(err).slice(0, 300), degradedKind };
      }
    }
    const result = await this.fallback.generate(request);
    return { ...base, answer: result.answer, confidence: result.confidence, provider: this.fallback.name, degraded: false };
  }

  private remember(key: string, diagnosis: Diagnosis): void {
    // An unreachable LLM is asked again soon; one that answered unusably would answer the same way.
    const ttl = diagnosis.degradedKind === 'unavailable' ? (this.options.degradedTtlMs ?? 30_000) : this.options.cacheTtlMs;
    this.cache.delete(key);
    this.cache.set(key, { diagnosis, expiresAt: this.now() + ttl });
    // Oldest first out: Map keeps insertion order.
    const max = this.options.maxCacheEntries ?? 10_000;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }
}
