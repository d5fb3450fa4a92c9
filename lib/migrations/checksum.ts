import { createHash } from "node:crypto";

// As Prisma's schema engine computes it (prisma-engines schema-connector/src/checksum.rs): SHA-256
// of the migration.sql text, lowercase hex, zero-padded. A recorded checksum matches when it equals
// that of the script as is, with CRLF turned to LF, or with LF turned to CRLF (git may rewrite line
// endings); very old Prisma versions wrote hex without zero-padding.

export function migrationChecksum(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

function unpadded(script: string): string {
  return [...createHash("sha256").update(script, "utf8").digest()].map((b) => b.toString(16)).join("");
}

export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((v) => (checksum.length !== 64 && checksum.length > 0 ? unpadded(v) : migrationChecksum(v)) === checksum);
}
