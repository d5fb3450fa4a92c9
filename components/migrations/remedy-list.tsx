import type { Remedy } from "@/lib/migrations/report";
import { CopyCommand } from "./copy-command";

/** The exact commands that fix the schema, one per choice, each with when to use it. */
export function RemedyList({ remedies, lead = "On the server, run" }: { remedies: Remedy[]; lead?: string }) {
  if (remedies.length === 0) return null;
  if (remedies.length === 1) {
    return (
      <p className="text-sm" data-testid="remedy">
        {lead} <CopyCommand command={remedies[0]!.command} />
      </p>
    );
  }
  return (
    <div className="text-sm">
      <p>{lead} one of:</p>
      <ul className="mt-1 space-y-2">
        {remedies.map((r) => (
          <li key={r.command} data-testid="remedy">
            <CopyCommand command={r.command} />
            <p className="mt-0.5 text-xs">{r.when}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}
