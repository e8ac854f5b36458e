/** Latency samples in milliseconds; percentiles by nearest rank over the sorted samples. */
export class LatencyRecorder {
  private samples = new Float64Array(1024);
  private length = 0;

  record(ms: number): void {
    if (this.length === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  summary(): LatencySummary {
    return summarize(this.samples.subarray(0, this.length));
  }
}

export type LatencySummary = {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
};

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
export const percentile = (sorted: ArrayLike<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
};

/** Count, mean, nearest-rank percentiles and max of samples in ms (copied, then sorted). */
export const summarize = (samples: ArrayLike<number>): LatencySummary => {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const sample of sorted) sum += sample;
  return {
    count: sorted.length,
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
};

/** The middle value (the mean of the two middle ones for an even count); NaN when there are none or one is NaN. */
export const median = (values: readonly number[]): number => {
  if (values.length === 0 || values.some((v) => Number.isNaN(v))) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The `p`th percentile of the samples received in each whole second: `secondOf[i]` is when sample
 * `i` arrived, in seconds from the start. Index s of the result is second s (NaN when it got none).
 * A run's p99 can come from a few bad seconds (a stall) or from every second alike; this tells which.
 */
export const percentileBySecond = (samples: ArrayLike<number>, secondOf: ArrayLike<number>, p: number): number[] => {
  const buckets: number[][] = [];
  for (let i = 0; i < samples.length; i++) {
    const second = Math.max(0, Math.floor(secondOf[i]!));
    (buckets[second] ??= []).push(samples[i]!);
  }
  return Array.from(buckets, (bucket) => (bucket ? percentile(bucket.sort((a, b) => a - b), p) : Number.NaN));
};
