// The decisions area's use cases, one per file. Components import them from here.
export { listAlertsAction } from "./alerts";
export { banDecisionAction } from "./ban";
export { decisionCapabilitiesAction } from "./capabilities";
export { unbanDecisionsAction } from "./unban";
