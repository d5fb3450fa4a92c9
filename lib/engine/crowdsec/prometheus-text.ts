// Reading the agent's Prometheus metrics (text exposition format 0.0.4, what CrowdSec 1.4.6 serves on
// 127.0.0.1:<prometheusPort>/metrics): the samples of one metric with their labels. Only what the panel
// needs: no histograms, no timestamps, no escapes beyond the label values'.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** A sample value as Prometheus writes it: a float, `+Inf`, `-Inf` or `NaN`. */
function parseValue(text: string): number | null {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const n = Number(text);
  return text !== "" && Number.isFinite(n) ? n : null;
}

/** Every sample of the metric `name` (exactly that name: `x_total`, not `x_total_created`). */
export function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith(name) || line.startsWith("#")) continue;
    const rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    let valueText: string;
    if (rest.startsWith("{")) {
      const close = rest.lastIndexOf("}");
      if (close < 0) continue;
      const body = rest.slice(1, close);
      // Every character of the label set belongs to a well-formed label (or a separating comma).
      if (body.replace(LABEL, "").replace(/[\s,]/g, "") !== "") continue;
      for (const m of body.matchAll(LABEL)) labels[m[1]!] = unescape(m[2]!);
      valueText = rest.slice(close + 1).trim();
    } else if (rest.startsWith(" ")) {
      valueText = rest.trim();
    } else continue; // another metric whose name starts with this one
    const value = parseValue(valueText.split(/\s+/)[0] ?? "");
    if (value !== null) out.push({ labels, value });
  }
  return out;
}

/** The metric's values keyed by one label (summed when several samples share it). */
export function byLabel(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples(text, name)) {
    const key = s.labels[label];
    if (key !== undefined) out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** The value of a metric without labels (e.g. `process_start_time_seconds`), or null. */
export function single(text: string, name: string): number | null {
  const found = samples(text, name).find((s) => Object.keys(s.labels).length === 0);
  return found ? found.value : null;
}
