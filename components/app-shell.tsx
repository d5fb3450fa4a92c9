import Link from "next/link";
import type { ReactNode } from "react";
import type { MigrationReport } from "@/lib/migrations/report";
import { SignOutButton } from "./auth/sign-out-button";
import { NavLinks } from "./nav-links";
import { SchemaPill } from "./migrations/schema-pill";
import { DriftPill } from "./security/drift-pill";
import { EnginePill } from "./security/engine-pill";

export function AppShell({ schema, username, children }: { schema: MigrationReport; username: string; children: ReactNode }) {
  return (
    <div className="min-h-screen md:grid md:grid-cols-[12rem_1fr]">
      <nav aria-label="Main" className="border-b border-slate-200 bg-white px-4 py-3 md:border-b-0 md:border-r dark:border-slate-800 dark:bg-slate-900">
        <Link href="/security" className="text-lg font-bold tracking-tight">
          Warden
        </Link>
        <NavLinks />
      </nav>
      <div className="min-w-0">
        <header
          className="flex flex-wrap items-center gap-4 border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900"
          aria-label="System status"
        >
          <SchemaPill initial={schema} />
          <EnginePill />
          <DriftPill />
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
