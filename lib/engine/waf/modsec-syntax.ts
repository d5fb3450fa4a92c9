// ModSecurity's configuration syntax, as far as Warden reads it back: a small tokenizer (Apache-style
// lines, continuations, quoted arguments) that splits a text into directives, and the parser of a
// directive's action list (`id:900110,phase:1,setvar:'tx.x=5'`). Not a regular expression over the text.

export interface Directive {
  /** As written (directive names are case-insensitive). */
  name: string;
  args: string[];
  /** Line the directive starts on (1-based). */
  line: number;
}

type Tokenized = { ok: true; directives: Directive[]; warnings: string[] } | { ok: false; reason: string };

const isBlank = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v";

/**
 * Splits a ModSecurity/Apache configuration text into directives. Rules, as Apache's config reader:
 * a line whose first non-blank character is `#` is a comment (to the end of that physical line);
 * a backslash right before the end of a line joins the next line to this one (the backslash and the
 * line break are removed, wherever they are, also inside quotes); arguments are separated by
 * blanks; an argument in double or single quotes may hold blanks, and `\"` (or `\'`) inside it is a
 * literal quote. A quoted argument that runs onto the next line without a backslash is accepted
 * with a warning; one that never closes is an error naming the line it opened on.
 */
export function tokenize(text: string): Tokenized {
  const n = text.length;
  const directives: Directive[] = [];
  const warnings: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  const continuationAt = (at: number) => text[at] === "\\" && (text[at + 1] === "\n" || (text[at + 1] === "\r" && text[at + 2] === "\n"));
  const skipContinuation = (at: number) => {
    line++;
    return text[at + 1] === "\n" ? at + 2 : at + 3;
  };

  while (i < n) {
    while (i < n && isBlank(text[i])) i++;
    if (i >= n) break;
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (c === "#") {
      let end = text.indexOf("\n", i);
      if (end === -1) end = n;
      let last = end - 1;
      if (text[last] === "\r") last--;
      if (text[last] === "\\") {
        warnings.push(
          `line ${line}: a comment ends with a backslash; Warden reads the next line as a new line, but an Apache-style reader may treat it as part of the comment`,
        );
      }
      i = end;
      continue;
    }

    const startLine = line;
    const tokens: string[] = [];
    let warnedNewline = false;
    while (i < n) {
      const ch = text[i];
      if (ch === "\n") break;
      if (isBlank(ch)) {
        i++;
        continue;
      }
      if (continuationAt(i)) {
        i = skipContinuation(i);
        continue;
      }
      if (ch === '"' || ch === "'") {
        const quote = ch;
        const openLine = line;
        let buf = "";
        let closed = false;
        i++;
        while (i < n) {
          const q = text[i];
          if (q === "\\") {
            if (text[i + 1] === quote) {
              buf += quote;
              i += 2;
              continue;
            }
            if (continuationAt(i)) {
              i = skipContinuation(i);
              continue;
            }
            buf += q;
            i++;
            continue;
          }
          if (q === quote) {
            closed = true;
            i++;
            break;
          }
          if (q === "\r" && text[i + 1] === "\n") {
            i++;
            continue;
          }
          if (q === "\n") {
            line++;
            if (!warnedNewline) {
              warnings.push(`line ${openLine}: a quoted argument continues onto the next line without a trailing backslash; ModSecurity may refuse this`);
              warnedNewline = true;
            }
          }
          buf += q;
          i++;
        }
        if (!closed) {
          return {
            ok: false,
            reason: `line ${openLine}: unterminated ${quote === '"' ? "double" : "single"} quote (it is never closed before the end of the file)`,
          };
        }
        tokens.push(buf);
        continue;
      }
      let buf = "";
      while (i < n) {
        const b = text[i];
        if (b === "\n" || isBlank(b)) break;
        if (continuationAt(i)) {
          i = skipContinuation(i);
          continue;
        }
        buf += b;
        i++;
      }
      tokens.push(buf);
    }
    if (tokens.length > 0) directives.push({ name: tokens[0]!, args: tokens.slice(1), line: startLine });
  }
  return { ok: true, directives, warnings };
}

export interface Action {
  name: string;
  value: string | null;
}

export function unquoteSingle(v: string): string {
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/\\'/g, "'");
  return v;
}

/**
 * `id:900110,phase:1,setvar:'tx.x=5'` → actions. Commas inside single quotes do not split; blanks
 * and line breaks around actions are ignored (CRS writes one action per continued line).
 */
export function parseActions(list: string, line: number, warnings: string[]): { ok: true; actions: Action[] } | { ok: false; reason: string } {
  const parts: string[] = [];
  let cur = "";
  let inQuote = false;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (inQuote) {
      if (c === "\\" && list[i + 1] === "'") {
        cur += "\\'";
        i++;
        continue;
      }
      if (c === "'") inQuote = false;
      cur += c;
      continue;
    }
    if (c === "'") {
      inQuote = true;
      cur += c;
      continue;
    }
    if (c === ",") {
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  if (inQuote) return { ok: false, reason: `line ${line}: unterminated single quote in the SecAction's action list` };
  parts.push(cur);

  const actions: Action[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) {
      warnings.push(`line ${line}: the SecAction's action list has an empty action (a stray comma)`);
      continue;
    }
    const colon = part.indexOf(":");
    if (colon === -1) actions.push({ name: part.toLowerCase(), value: null });
    else actions.push({ name: part.slice(0, colon).trim().toLowerCase(), value: unquoteSingle(part.slice(colon + 1).trim()) });
  }
  return { ok: true, actions };
}
