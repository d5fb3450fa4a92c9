// What the readers of scenario files share: the racy-mtime rule of their caches, and the errno code
// of a failed read.

/**
 * The scenario caches (local files, hub listings, directory listings) are keyed by mtimes. Timestamps come from a coarse clock, so a change made in the
 * same tick as a read can leave the mtime unchanged ("racy git"): an entry is kept only when what it
 * describes was last modified at least this long before the read.
 */
export const RACY_MS = 1_000;

export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
