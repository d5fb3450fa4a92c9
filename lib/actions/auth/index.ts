// The auth area's use cases, one per file. Components import them from here.
export { changePasswordAction } from "./change-password";
export { revokeOtherSessionsAction, revokeSessionAction } from "./revoke-session";
export { setupAction } from "./setup";
export { logoutAction } from "./sign-out";
