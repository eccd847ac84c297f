import type { Embedder, VectorCollectionSpec, VectorHit, VectorStore } from '../../ports/retrieval.js';
import type { KnowledgeCase, KnowledgeDoc } from './knowledge-base.js';
import { caseSearchText, docSearchText } from './knowledge-base.js';

/** Seed 001 names; the suffix keeps one collection per embedding model and dimension. */
export function collectionNames(embedder: Embedder): { cases: string; docs: string } {
  const suffix = `${embedder.model}_${embedder.dimension}`.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '');
  return { cases: `flink_cases_${suffix}`, docs: `flink_docs_${suffix}` };
}

const clip = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max));

export interface RetrievedCase {
  case_id: string;
  error_type: string;
  subtype: string;
  error_pattern: string;
  root_cause: string;
  solution: string;
  /** doc_ids of the snippets written for this case. */
  related_docs: string[];
  verified: boolean;
  /** Similarity after the verified bonus; what the ranking used. */
  score: number;
}

export interface RetrievedDoc {
  doc_id: string;
  title: string;
  content: string;
  doc_url: string;
  category: string;
  score: number;
}

/** Verified cases outrank unverified ones of about the same similarity (feedback counts). */
const VERIFIED_BONUS = 0.05;

/**
 * The classifier has already read the whole chain and named a type and subtype; a case of that
 * subtype is more likely the right one than a lexically closer case of another. Word overlap
 * alone confuses e.g. a checkpoint declined *because of* a Kafka timeout with the Kafka case.
 */
function classificationBonus(fields: Record<string, unknown>, options: RetrieveOptions): number {
  const evidence = options.evidence?.some((e) => e.error_type === fields.error_type && e.subtype === fields.subtype) ? EVIDENCE_BONUS : 0;
  if (!options.errorType || fields.error_type !== options.errorType) return evidence;
  return options.subtype && options.subtype !== 'unknown' && fields.subtype === options.subtype ? 0.25 : Math.max(0.05, evidence);
}

/** Other failures the rules saw in the same chain: likelier than a case that only shares words. */
const EVIDENCE_BONUS = 0.1;

export interface RetrieveOptions {
  errorType?: string;
  subtype?: string | null;
  /** Every failure the rules recognise in the text (`failureEvidence`), besides the decided one. */
  evidence?: { error_type: string; subtype: string }[];
  confident?: boolean;
  cases?: number;
  docs?: number;
}

/**
 * The best `wanted` cases, one per failure (type and subtype) first, then the rest by score.
 * Three cases of one failure repeat one explanation; when the classification or the wording is
 * off, the second and third places are worth more as the next-likeliest failures.
 */
function diverse(ranked: RetrievedCase[], wanted: number): RetrievedCase[] {
  const picked: RetrievedCase[] = [];
  const failures = new Set<string>();
  for (const c of ranked) {
    if (picked.length === wanted) break;
    const failure = `${c.error_type}/${c.subtype}`;
    if (failures.has(failure)) continue;
    failures.add(failure);
    picked.push(c);
  }
  for (const c of ranked) if (picked.length < wanted && !picked.includes(c)) picked.push(c);
  return picked.sort((a, b) => b.score - a.score);
}

/** Finds the knowledge cases and documentation snippets nearest to an error. */
export class Retriever {
  readonly collections: { cases: string; docs: string };

  constructor(
    private readonly embedder: Embedder,
    private readonly store: VectorStore,
  ) {
    this.collections = collectionNames(embedder);
  }

  async ensureCollections(): Promise<void> {
    const cases: VectorCollectionSpec = {
      name: this.collections.cases,
      dimension: this.embedder.dimension,
      fields: {
        error_type: { type: 'varchar', maxLength: 64 },
        subtype: { type: 'varchar', maxLength: 64 },
        error_pattern: { type: 'varchar', maxLength: 2000 },
        root_cause: { type: 'varchar', maxLength: 2000 },
        solution: { type: 'varchar', maxLength: 4000 },
        related_docs: { type: 'varchar', maxLength: 1000 },
        verified: { type: 'bool' },
      },
    };
    const docs: VectorCollectionSpec = {
      name: this.collections.docs,
      dimension: this.embedder.dimension,
      fields: {
        title: { type: 'varchar', maxLength: 512 },
        content: { type: 'varchar', maxLength: 8000 },
        doc_url: { type: 'varchar', maxLength: 512 },
        category: { type: 'varchar', maxLength: 64 },
      },
    };
    await this.store.ensureCollection(cases);
    await this.store.ensureCollection(docs);
  }

  /** Upserts cases by case_id (idempotent). */
  async indexCases(cases: (Pick<KnowledgeCase, 'case_id' | 'subtype' | 'error_pattern' | 'root_cause' | 'solution' | 'keywords' | 'verified' | 'related_docs'> & { error_type: string })[]): Promise<void> {
    if (cases.length === 0) return;
    const vectors = await this.embedder.embed(cases.map(caseSearchText));
    await this.store.upsert(
      this.collections.cases,
      cases.map((c, i) => ({
        id: c.case_id,
        vector: vectors[i]!,
        fields: { error_type: c.error_type, subtype: c.subtype, error_pattern: clip(c.error_pattern, 2000), root_cause: clip(c.root_cause, 2000), solution: clip(c.solution, 4000), related_docs: clip(c.related_docs.join(','), 1000), verified: c.verified },
      })),
    );
  }

  private toCase(hit: VectorHit, options: RetrieveOptions): RetrievedCase {
    const { fields } = hit;
    return {
      case_id: hit.id,
      error_type: String(fields.error_type),
      subtype: String(fields.subtype),
      error_pattern: String(fields.error_pattern),
      root_cause: String(fields.root_cause),
      solution: String(fields.solution),
      related_docs: String(fields.related_docs ?? '').split(',').filter(Boolean),
      verified: fields.verified === true,
      score: hit.score + (fields.verified === true ? VERIFIED_BONUS : 0) + classificationBonus(fields, options),
    };
  }

  async indexDocs(docs: KnowledgeDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const vectors = await this.embedder.embed(docs.map(docSearchText));
    await this.store.upsert(
      this.collections.docs,
      docs.map((d, i) => ({ id: d.doc_id, vector: vectors[i]!, fields: { title: d.title, content: d.content, doc_url: d.doc_url, category: d.category } })),
    );
  }

  /**
   * Cases and docs for an error text. When the classification is confident, cases come from its
   * type, except the last place: that goes to the nearest case of any other type. Confident
   * classifications are still wrong now and then, and a filter alone would then hide every right
   * case; one alternative costs a place the classified type rarely needs (dev top-3 unchanged).
   * Without confidence, or when the type has too few cases, all cases compete.
   */
  async retrieve(text: string, options: RetrieveOptions = {}): Promise<{ cases: RetrievedCase[]; docs: RetrievedDoc[] }> {
    const [vector] = await this.embedder.embed([text]);
    const wanted = options.cases ?? 3;
    // A wide pool, re-ranked below with the classification.
    const pool = Math.max(20, wanted * 4);
    const rank = (hits: VectorHit[]) => hits.map((h) => this.toCase(h, options)).sort((a, b) => b.score - a.score);
    const filterType = options.confident ? options.errorType : undefined;
    const [all, ofType] = await Promise.all([
      this.store.search(this.collections.cases, vector!, { limit: pool }),
      filterType ? this.store.search(this.collections.cases, vector!, { limit: pool, where: { error_type: filterType } }) : [],
    ]);
    let cases: RetrievedCase[];
    if (filterType && ofType.length >= Math.min(3, wanted)) {
      const alternative = wanted > 1 ? rank(all.filter((h) => h.fields.error_type !== filterType))[0] : undefined;
      cases = alternative ? [...diverse(rank(ofType), wanted - 1), alternative] : diverse(rank(ofType), wanted);
    } else {
      cases = diverse(rank(all), wanted);
    }
    // The best case's curated links first (written for that failure), then the nearest snippets.
    const linked = cases[0]?.related_docs ?? [];
    const wantedDocs = options.docs ?? 3;
    const docHits = [
      ...(await this.store.get(this.collections.docs, linked.slice(0, wantedDocs))).map((h) => ({ ...h, score: cases[0]!.score })),
      ...(await this.store.search(this.collections.docs, vector!, { limit: wantedDocs })),
    ].filter((h, i, all) => all.findIndex((o) => o.id === h.id) === i).slice(0, wantedDocs);
    const docs = docHits.map((h) => ({ doc_id: h.id, title: String(h.fields.title), content: String(h.fields.content), doc_url: String(h.fields.doc_url), category: String(h.fields.category), score: h.score }));
    return { cases, docs };
  }
}
