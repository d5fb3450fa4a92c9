import "server-only";
import { readStdin } from "../read-secret";
import { plural } from "../../plural";

/** `reset-password <username>`: a password piped on stdin (one line) is used as is; else one is generated and printed. */
export async function resetPasswordCommand(args: string[]): Promise<number> {
  const username = args[0];
  if (!username) {
    console.error("reset-password needs a username: npm run cli -- reset-password <username>");
    return 2;
  }
  const [{ db }, { resetPassword, generateOneTimePassword }] = await Promise.all([import("../../db"), import("../../auth/reset-password")]);
  const piped = process.stdin.isTTY ? "" : (await readStdin()).replace(/\r?\n$/, "");
  const password = piped || generateOneTimePassword();
  try {
    const result = await resetPassword(db(), username, password);
    console.log(`Password of "${result.username}" reset; ${plural(result.sessionsEnded, "session")} ended.`);
    if (!piped) console.log(`One-time password: ${password}`);
    console.log("The admin must choose a new password at next sign-in.");
    return 0;
  } finally {
    await db().$disconnect();
  }
}
