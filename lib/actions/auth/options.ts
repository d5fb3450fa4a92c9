import type { ActionOptions } from "../action";

/** Account actions stay open to an admin who must change a password (allowPasswordChange). */
export const ACCOUNT: ActionOptions = { allowPasswordChange: true };
