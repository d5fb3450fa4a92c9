"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { NAV, currentNavHref } from "./nav";

/** The sidebar's links; the one for the page on screen carries aria-current="page". */
export function NavLinks() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const current = currentNavHref(pathname, searchParams.get("tab"));
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm md:mt-6 md:flex-col md:gap-2">
      {NAV.map(([href, label]) => (
        <li key={href}>
          <Link
            href={href}
            aria-current={href === current ? "page" : undefined}
            className={href === current ? "font-semibold text-sky-700 underline underline-offset-4 dark:text-sky-300" : "hover:underline"}
          >
            {label}
          </Link>
        </li>
      ))}
    </ul>
  );
}
