"use server";

// STUB(lead): replaced on merge by the real ban (LAPI, self-block guard, audit). This stub checks the
// input as the contract says and refuses the admin's own address, so the page's errors can be shown.
import "server-only";
import { isIP } from "node:net";
import { clientIp } from "../../auth/client-info";
import { DomainError, ValidationError } from "../../errors";
import { runAction, type ActionResult } from "../action";

function checkInput(input: unknown): { value: string; duration: string; reason: string; confirmSelfBlock: boolean } {
  const raw = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const value = typeof raw.value === "string" ? raw.value.trim() : "";
  const duration = typeof raw.duration === "string" ? raw.duration.trim() : "";
  const reason = typeof raw.reason === "string" ? raw.reason.trim() : "";
  const fields: Record<string, string> = {};
  const [address, prefix] = value.split("/");
  if (!address || !isIP(address) || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) fields.value = "Enter an IPv4 or IPv6 address, or a CIDR range";
  if (!/^[1-9]\d{0,3}[mhd]$/.test(duration)) fields.duration = "A duration is a number and a unit: 30m, 4h, 7d";
  if (reason.length > 200 || /\p{Cc}/u.test(reason)) fields.reason = "A reason is at most 200 characters, without control characters";
  if (Object.keys(fields).length) throw new ValidationError("The ban was refused: fix the fields shown.", fields);
  return { value, duration, reason, confirmSelfBlock: raw.confirmSelfBlock === true };
}

export async function banDecisionAction(input: unknown): Promise<ActionResult<{ value: string; until: string; enforcedMs: number | null }>> {
  return runAction("banDecision", async (ctx) => {
    const ban = checkInput(input);
    const own = clientIp(ctx.headers);
    if (own !== null && ban.value === own && !ban.confirmSelfBlock)
      throw new DomainError("SELF_BLOCK", `Banning ${ban.value} would block you: it is the address you are using now (${own}).`);
    throw new DomainError("ENGINE", "Banning is not available in this build yet (STUB).");
  });
}
