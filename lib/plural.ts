/** "1 migration" / "3 migrations" (also for client components: no server imports here). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}
