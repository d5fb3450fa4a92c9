/**
 * Splits an SQL script into statements, respecting quotes, comments, PostgreSQL dollar quotes and
 * SQLite trigger bodies (BEGIN … END). Used to run SQLite migrations one statement at a time and to
 * name the statement that failed on either database. Each statement keeps its offset in the script.
 */
export interface SqlStatement {
  sql: string;
  start: number;
}

export function splitSql(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  let depth = 0; // BEGIN…END nesting inside CREATE TRIGGER
  let i = 0;
  const push = (end: number) => {
    const sql = script.slice(start, end).trim();
    if (stripComments(sql).trim()) statements.push({ sql, start: start + (script.slice(start, end).length - script.slice(start, end).trimStart().length) });
    start = end + 1;
  };
  while (i < script.length) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === "-" && next === "-") {
      const nl = script.indexOf("\n", i);
      i = nl === -1 ? script.length : nl + 1;
    } else if (c === "/" && next === "*") {
      const close = script.indexOf("*/", i + 2);
      i = close === -1 ? script.length : close + 2;
    } else if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < script.length) {
        if (script[j] === c) {
          if (script[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      i = j + 1;
    } else if (c === "$") {
      // A tag follows identifier rules (letters, digits after the first, underscores): $$, $body$, $fn1$.
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i))?.[0];
      if (tag) {
        const close = script.indexOf(tag, i + tag.length);
        i = close === -1 ? script.length : close + tag.length;
      } else i++;
    } else if (/[A-Za-z]/.test(c) && (i === 0 || !/[A-Za-z0-9_]/.test(script[i - 1]!))) {
      const word = /^[A-Za-z_]+/.exec(script.slice(i))![0].toUpperCase();
      if (word === "BEGIN" && isTriggerBody(script.slice(start, i))) depth++;
      // Inside a trigger body, CASE … END nests: its END must not close the body.
      else if (word === "CASE" && depth > 0) depth++;
      else if (word === "END" && depth > 0) depth--;
      i += word.length;
    } else if (c === ";" && depth === 0) {
      push(i);
      i++;
    } else i++;
  }
  if (start < script.length) push(script.length);
  return statements;
}

function isTriggerBody(before: string): boolean {
  return /\bCREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(stripComments(before));
}

export function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
}

/** The statement containing a character offset of the script (PostgreSQL reports error positions). */
export function statementAt(script: string, offset: number): string | null {
  const statements = splitSql(script);
  let found: SqlStatement | null = null;
  for (const s of statements) if (s.start <= offset) found = s;
  return found?.sql ?? null;
}
