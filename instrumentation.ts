// Next.js calls register() once per server process, in every runtime it builds instrumentation for.
// The boot itself (instrumentation-node.ts) uses Node's file system and process APIs, so it is
// imported only inside the NEXT_RUNTIME === "nodejs" branch: the bundler drops that branch from the
// Edge build instead of warning about each Node API it would otherwise find there.

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { bootNode } = await import("./instrumentation-node");
    await bootNode();
  }
}
