// The process's singletons (the Prisma client, the engine, the drift detector, the schema gate's
// verdict, …), kept in one map on one `globalThis` symbol. Next.js bundles instrumentation and routes
// apart, so a module can be loaded twice in one process: a module-level `let` would then exist twice,
// and this map is what makes a singleton real. Plain-JS modules that server.mjs loads reach the same
// map through the same `Symbol.for` key (lib/log-config.mjs).

const REGISTRY = Symbol.for("warden.process-registry");

type Holder = typeof globalThis & { [REGISTRY]?: Map<string, unknown> };

function entries(): Map<string, unknown> {
  const holder = globalThis as Holder;
  return (holder[REGISTRY] ??= new Map());
}

/** One named, typed place in the registry. Name each slot once, in the module that owns it. */
export interface ProcessSlot<T> {
  /** The value, or undefined when none has been stored (or it was cleared). */
  get(): T | undefined;
  /** The value, created on first use. */
  getOrCreate(create: () => T): T;
  set(value: T): void;
  /** Forgets the value, so the next `getOrCreate` makes a new one (a "restart" in tests). */
  clear(): void;
}

export function processSlot<T>(key: string): ProcessSlot<T> {
  return {
    get: () => entries().get(key) as T | undefined,
    getOrCreate(create) {
      const map = entries();
      if (!map.has(key)) map.set(key, create());
      return map.get(key) as T;
    },
    set: (value) => void entries().set(key, value),
    clear: () => void entries().delete(key),
  };
}

/** The process's one value under `key`, created by `create` on first use. */
export function singleton<T>(key: string, create: () => T): T {
  return processSlot<T>(key).getOrCreate(create);
}
