"use client";

import { toggleProtectionAction } from "@/lib/actions/security/toggle";
import type { ToggleInput } from "@/lib/security/input-schema";
import { useProtectionMutation } from "./use-protection-mutation";

export function useToggleProtection() {
  return useProtectionMutation<ToggleInput>("toggle", toggleProtectionAction);
}
