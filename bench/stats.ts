/** Percentiles and a one-line summary for benchmark samples (milliseconds). */
export function percentile(samples: number[], p: number): number {
	if (samples.length === 0) return Number.NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index] ?? Number.NaN;
}

export function summarize(label: string, samples: number[], unit = "ms"): string {
	const format = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
	return `${label.padEnd(44)} n=${String(samples.length).padStart(5)}  p50=${format(percentile(samples, 50))}${unit}  p95=${format(percentile(samples, 95))}${unit}  p99=${format(percentile(samples, 99))}${unit}`;
}
