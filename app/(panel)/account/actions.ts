export { changePasswordAction, logoutAction, revokeOtherSessionsAction, revokeSessionAction } from "@/lib/actions/auth"; // use cases: lib/actions/auth
