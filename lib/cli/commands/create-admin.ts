import "server-only";
import { readNewPassword } from "../read-secret";

const USAGE = "usage: npm run cli -- create-admin <username> [--additional]   (the password is read from standard input)";

/**
 * `create-admin <username> [--additional]`: creates an admin on the server, without the browser or the
 * setup token (headless installs). The password comes from standard input only. Refuses when an admin
 * exists unless --additional.
 */
export async function createAdminCommand(args: string[]): Promise<number> {
  const additional = args.includes("--additional");
  const rest = args.filter((a) => a !== "--additional");
  const unknownFlag = rest.find((a) => a.startsWith("-"));
  if (unknownFlag) {
    console.error(`create-admin: unknown option ${unknownFlag}\n${USAGE}`);
    return 2;
  }
  if (rest.length !== 1) {
    console.error(
      rest.length > 1
        ? `create-admin takes one username; a password is never taken from an argument (other users can read arguments in \`ps\`): pipe it on standard input.\n${USAGE}`
        : `create-admin needs a username.\n${USAGE}`,
    );
    return 2;
  }
  const password = await readNewPassword();
  if (!password) {
    console.error("create-admin: no password on standard input; nothing was changed");
    return 1;
  }
  const [{ db }, { createAdminFromCli }, { isDomainError }] = await Promise.all([import("../../db"), import("../../auth/first-admin"), import("../../errors")]);
  try {
    const result = await createAdminFromCli(db(), rest[0]!, password, { additional });
    console.log(`Admin "${result.username}" created${result.first ? " (the first admin: the setup link no longer works)" : ""}. Sign in at /login.`);
    return 0;
  } catch (error) {
    if (isDomainError(error) && error.expected) {
      console.error(`create-admin: ${error.message} Nothing was changed.`);
      return 1;
    }
    throw error;
  } finally {
    await db().$disconnect();
  }
}
