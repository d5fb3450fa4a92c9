"use server";

// STUB(lead): replaced on merge by the real unban (LAPI, audit).
import "server-only";
import { DomainError, ValidationError } from "../../errors";
import { runAction, type ActionResult } from "../action";

export async function unbanDecisionsAction(input: unknown): Promise<ActionResult<{ deleted: number; values: string[] }>> {
  return runAction("unbanDecisions", async () => {
    const ids = (input as { ids?: unknown } | null)?.ids;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && id > 0))
      throw new ValidationError("Choose at least one decision to unban.", { ids: "a list of decision ids" });
    throw new DomainError("ENGINE", "Unbanning is not available in this build yet (STUB).");
  });
}
