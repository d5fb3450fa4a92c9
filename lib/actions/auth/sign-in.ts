import "server-only";
import { login, type LoginOutcome } from "../../auth/login";
import { db } from "../../db";

/**
 * Sign in with a username and password (the login route's body, unparsed). Not a server action: the
 * route answers with the session cookie, and with Retry-After when rate limited.
 */
export function signIn(body: unknown, requestHeaders: Headers): Promise<LoginOutcome> {
  return login(db(), body, requestHeaders);
}
