import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppShell } from "@/components/app-shell";
import { Providers } from "@/components/providers";
import { env } from "@/lib/env";
import { summarizeMigrations } from "@/lib/migrations/summary";
import "./globals.css";

export const metadata: Metadata = { title: "Warden", description: "Edge security control panel" };
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const schema = await summarizeMigrations(env().DATABASE_URL);
  return (
    <html lang="en">
      <body>
        <Providers>
          <AppShell schema={schema}>{children}</AppShell>
        </Providers>
      </body>
    </html>
  );
}
