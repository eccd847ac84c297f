import { CircuitOpenError } from './errors.js';

/**
 * Stops a stage when too many recent records are invalid (as Arroyo's DLQ policy does): a bad
 * deploy or a wrong producer should page someone, not silently dead-letter the whole topic.
 * Keeps the last `window` outcomes in a ring buffer.
 */
export class DlqCircuitBreaker {
  private readonly outcomes: Uint8Array;
  private next = 0;
  private filled = 0;
  private invalid = 0;

  constructor(private readonly options: { maxInvalidRatio: number; window: number; minSample: number }) {
    this.outcomes = new Uint8Array(options.window);
  }

  /** Records one outcome; throws CircuitOpenError when the invalid ratio is over the limit. */
  record(wasInvalid: boolean): void {
    if (this.filled === this.outcomes.length) this.invalid -= this.outcomes[this.next]!;
    else this.filled++;
    this.outcomes[this.next] = wasInvalid ? 1 : 0;
    this.invalid += wasInvalid ? 1 : 0;
    this.next = (this.next + 1) % this.outcomes.length;
    if (this.filled >= Math.min(this.options.minSample, this.outcomes.length) && this.ratio() > this.options.maxInvalidRatio) {
      throw new CircuitOpenError(
        `DLQ circuit breaker open: ${this.invalid} of the last ${this.filled} records were invalid (limit ${this.options.maxInvalidRatio}); stopping instead of dead-lettering the stream`,
      );
    }
  }

  ratio(): number {
    return this.filled === 0 ? 0 : this.invalid / this.filled;
  }
}
