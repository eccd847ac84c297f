import type { ClassifiedEvent } from './classify-event.js';

/**
 * Errors nobody is sure about, grouped by fingerprint so a person reviews each failure once:
 * the classify stage counts them (and flags them `needs_review` on errors.classified), and
 * `pipeline-doctor classify --review` prints the groups of a file.
 */

/**
 * Below this confidence a classified error needs review: generic-rule decisions (0.6) and model
 * decisions calibrated that low. Frame-rule decisions (0.7) and specific rules are trusted.
 */
export const REVIEW_BELOW = 0.7;

/** Errors no rule names (other/unknown) and low-confidence decisions; never `none`. */
export function needsReview(event: Pick<ClassifiedEvent, 'error_type' | 'subtype' | 'confidence'>): boolean {
  return event.error_type !== 'none' && (event.subtype === 'unknown' || event.confidence < REVIEW_BELOW);
}

export interface ReviewEntry {
  fingerprint: string;
  /** The latest decision for this fingerprint (it changes when a new model is loaded). */
  error_type: ClassifiedEvent['error_type'];
  subtype: string | null;
  confidence: number;
  decided_by: string;
  count: number;
  /** Event time in the stage; input line (NDJSON) or event number (raw) in `classify --review`. */
  first_seen: string | number;
  last_seen: string | number;
  /** The first text seen, cut to SAMPLE_CHARS. */
  sample: string;
}

const SAMPLE_CHARS = 1000;

export class ReviewQueue {
  // Map order is recency: a touched fingerprint is moved to the end, the oldest is evicted first.
  private readonly groups = new Map<string, ReviewEntry>();

  /** Bounded: a flood of distinct unknown errors must not grow memory without limit. */
  constructor(private readonly maxFingerprints = 10_000) {}

  add(event: ClassifiedEvent & { fingerprint: string }, text: string, seenAt: string | number): ReviewEntry {
    const previous = this.groups.get(event.fingerprint);
    this.groups.delete(event.fingerprint);
    const entry: ReviewEntry = {
      fingerprint: event.fingerprint,
      error_type: event.error_type,
      subtype: event.subtype,
      confidence: event.confidence,
      decided_by: event.decided_by,
      count: (previous?.count ?? 0) + 1,
      first_seen: previous?.first_seen ?? seenAt,
      last_seen: seenAt,
      sample: previous?.sample ?? text.slice(0, SAMPLE_CHARS),
    };
    this.groups.set(event.fingerprint, entry);
    if (this.groups.size > this.maxFingerprints) this.groups.delete(this.groups.keys().next().value!);
    return entry;
  }

  /** Most frequent first. */
  entries(): ReviewEntry[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count);
  }
}
