"use client";

import { updateProtectionAction } from "@/lib/actions/security/update";
import type { UpdateInput } from "@/lib/security/input-schema";
import { useProtectionMutation } from "./use-protection-mutation";

export function useUpdateProtection() {
  return useProtectionMutation<UpdateInput>("update", updateProtectionAction);
}
