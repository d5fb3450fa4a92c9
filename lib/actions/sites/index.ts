// The sites area's use cases. Components import them from here.
export { excludeRuleAction, removeExclusionAction } from "./exclusions";
export { createSiteAction, removeSiteAction, updateSiteAction } from "./save";
