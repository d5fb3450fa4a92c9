import Link from "next/link";
import { Badge, type BadgeTone } from "./badge";

/** A header pill: a label and a coloured word, linking to where the detail is. */
export function StatusPill({
  href,
  label,
  word,
  tone,
  title,
  testId,
}: {
  href: string;
  label: string;
  word: string;
  tone: BadgeTone;
  title: string;
  testId: string;
}) {
  return (
    <Link href={href} data-testid={testId} title={title} className="inline-flex items-center gap-1 text-xs">
      <span className="text-slate-500 dark:text-slate-400">{label}</span>
      <Badge tone={tone}>{word}</Badge>
    </Link>
  );
}
