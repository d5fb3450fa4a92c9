import "server-only";
import { engine, observeAll } from "../engine/engine";
import type { RuntimeObservation } from "../engine/drivers";
import type { Db } from "../db";
import type { SecurityIntent } from "./intent";
import type { Protection } from "./spec/protections";
import { readIntent } from "./intent-store";

/** Intent and runtime side by side: two separate facts, never one inferred from the other. */
export interface SecurityStatus {
  intent: SecurityIntent;
  runtime: Record<Protection, RuntimeObservation>;
  checkedAt: string;
}

export async function getSecurityStatus(db: Db): Promise<SecurityStatus> {
  const [intent, runtime] = await Promise.all([readIntent(db), observeAll(engine())]);
  return { intent, runtime, checkedAt: new Date().toISOString() };
}
