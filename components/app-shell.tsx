import Link from "next/link";
import type { ReactNode } from "react";
import type { MigrationReport } from "@/lib/migrations/report";
import { SignOutButton } from "./auth/sign-out-button";
import { SchemaPill } from "./migrations/schema-pill";
import { Badge, type BadgeTone } from "./ui/badge";

function Pill({ label, word, tone, title }: { label: string; word: string; tone: BadgeTone; title: string }) {
  return (
    <span title={title} className="inline-flex items-center gap-1 text-xs">
      <span className="text-slate-500 dark:text-slate-400">{label}</span>
      <Badge tone={tone}>{word}</Badge>
    </span>
  );
}

const NAV = [
  ["/security", "Security"],
  ["/security?tab=audit", "Audit"],
  ["/migrations", "Migrations"],
  ["/account", "Account"],
] as const;

export function AppShell({ schema, username, children }: { schema: MigrationReport; username: string; children: ReactNode }) {
  return (
    <div className="min-h-screen md:grid md:grid-cols-[12rem_1fr]">
      <nav aria-label="Main" className="border-b border-slate-200 bg-white px-4 py-3 md:border-b-0 md:border-r dark:border-slate-800 dark:bg-slate-900">
        <Link href="/security" className="text-lg font-bold tracking-tight">
          Warden
        </Link>
        <ul className="mt-2 flex gap-4 text-sm md:mt-6 md:flex-col md:gap-2">
          {NAV.map(([href, label]) => (
            <li key={href}>
              <Link href={href} className="hover:underline">
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="min-w-0">
        <header className="flex flex-wrap items-center gap-4 border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900" aria-label="System status">
          <SchemaPill initial={schema} />
          <Pill label="Engine" word="not managed" tone="grey" title="No runtime is connected to Warden yet: nothing is observed." />
          <Pill label="Drift" word="not monitored" tone="grey" title="Drift detection is not running yet: nothing compares intent with a runtime." />
          <span className="ml-auto flex items-center gap-3 text-sm">
            <span data-testid="signed-in-as">
              Signed in as <strong>{username}</strong>
            </span>
            <SignOutButton />
          </span>
        </header>
        <main className="mx-auto max-w-7xl p-4">{children}</main>
      </div>
    </div>
  );
}
