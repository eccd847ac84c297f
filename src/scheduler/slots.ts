/**
 * Runs are identified by slots: the start of the interval a moment falls in, aligned to the Unix
 * epoch in UTC. Every instance computes the same slot for the same moment, whatever its start
 * time, so the (job, scope, slot) key names one run across the deployment; a daily job's slot is
 * 00:00 UTC of each day. An instance that starts late in a slot still runs it (once); slots
 * missed entirely while nothing ran are not caught up (the next run covers them: retention by
 * age, re-embedding and retraining from the current data).
 */

/** Start of the slot `nowMs` falls in (ms since the epoch). */
export function slotStart(nowMs: number, intervalMs: number): number {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new Error(`interval must be a positive integer of ms, not ${intervalMs}`);
  return Math.floor(nowMs / intervalMs) * intervalMs;
}

/** Start of the slot after the one `nowMs` falls in. */
export function nextSlotStart(nowMs: number, intervalMs: number): number {
  return slotStart(nowMs, intervalMs) + intervalMs;
}

/** The DATETIME(3) literal of a slot, in UTC: `2026-11-22 00:00:00.000`. */
export function slotLiteral(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A duration for humans: 90000 → "1m30s", 86400000 → "1d". */
export function formatInterval(ms: number): string {
  if (ms === 0) return 'off';
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
