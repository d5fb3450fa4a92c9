// The security area's use cases, one per file. Components import them from here.
export { applyRuntimeAction } from "./apply-runtime";
export { repairMirrorAction } from "./repair-mirror";
export { setScenarioAction } from "./set-scenario";
export { toggleProtectionAction } from "./toggle";
export { updateProtectionAction } from "./update";
export { verifyProtectionAction } from "./verify";
