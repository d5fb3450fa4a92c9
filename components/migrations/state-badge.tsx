import type { MigrationState } from "@/lib/migrations/report";
import { Badge, type BadgeTone } from "../ui/badge";

const TONE: Record<MigrationState, BadgeTone> = {
  applied: "green",
  pending: "amber",
  failed: "red",
  rolled_back: "amber",
  modified: "red",
  unknown: "red",
};

export function StateBadge({ state }: { state: MigrationState }) {
  return <Badge tone={TONE[state]}>{state.replace("_", " ")}</Badge>;
}
