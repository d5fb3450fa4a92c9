import { describe, expect, it } from "vitest";
import { splitSql, statementAt, stripComments } from "./sql-split";

const sqls = (script: string) => splitSql(script).map((s) => s.sql);

describe("splitSql", () => {
  it("splits plain statements and drops empty ones and comment-only tails", () => {
    expect(sqls(`CREATE TABLE a (id INT);\n\nCREATE TABLE b (id INT);;\n-- trailing comment\n`)).toEqual([
      "CREATE TABLE a (id INT)",
      "CREATE TABLE b (id INT)",
    ]);
  });

  it("keeps a statement without a final semicolon", () => {
    expect(sqls("SELECT 1;\nSELECT 2")).toEqual(["SELECT 1", "SELECT 2"]);
  });

  it("does not split on semicolons inside quotes (single, double, backtick, doubled quotes)", () => {
    const script = [
      `INSERT INTO t (v) VALUES ('a;b');`,
      `INSERT INTO t (v) VALUES ('it''s; fine');`,
      `CREATE TABLE "we;ird" ("col;umn" TEXT);`,
      "CREATE TABLE `x;y` (id INT);",
    ].join("\n");
    expect(sqls(script)).toEqual([
      `INSERT INTO t (v) VALUES ('a;b')`,
      `INSERT INTO t (v) VALUES ('it''s; fine')`,
      `CREATE TABLE "we;ird" ("col;umn" TEXT)`,
      "CREATE TABLE `x;y` (id INT)",
    ]);
  });

  it("ignores semicolons and quotes inside line and block comments", () => {
    const script = `-- a comment; with 'a quote\nCREATE TABLE a (id INT); /* block; comment ' */ CREATE TABLE b (id INT);`;
    const parts = sqls(script);
    expect(parts).toHaveLength(2);
    expect(stripComments(parts[0]!).trim()).toBe("CREATE TABLE a (id INT)");
    expect(stripComments(parts[1]!).trim()).toBe("CREATE TABLE b (id INT)");
  });

  it("keeps an SQLite trigger body (BEGIN … END) in one statement", () => {
    const trigger = `CREATE TRIGGER audit_ins AFTER INSERT ON a BEGIN\n  INSERT INTO log (v) VALUES (1);\n  UPDATE a SET n = n + 1;\nEND`;
    expect(sqls(`${trigger};\nCREATE TABLE c (id INT);`)).toEqual([trigger, "CREATE TABLE c (id INT)"]);
  });

  it("keeps a trigger body whose statements use CASE … END", () => {
    const trigger = `CREATE TEMP TRIGGER t AFTER UPDATE ON a BEGIN\n  UPDATE a SET x = CASE WHEN new.y > 0 THEN 1 ELSE 0 END;\n  UPDATE a SET z = CASE new.y WHEN 1 THEN 'one' END;\nEND`;
    expect(sqls(`${trigger};\nSELECT 1;`)).toEqual([trigger, "SELECT 1"]);
  });

  it("does not treat BEGIN/END outside a trigger as a body (a transaction-control statement stays separate)", () => {
    expect(sqls("BEGIN;\nCREATE TABLE a (id INT);\nCOMMIT;")).toEqual(["BEGIN", "CREATE TABLE a (id INT)", "COMMIT"]);
    expect(sqls("SELECT CASE WHEN 1 THEN 2 END;\nEND;")).toEqual(["SELECT CASE WHEN 1 THEN 2 END", "END"]);
  });

  it("keeps PostgreSQL dollar-quoted bodies ($$, $tag$, $tag1$) in one statement", () => {
    const fn1 = `CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$ LANGUAGE plpgsql`;
    const fn2 = `CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $$ not the end; $body$ LANGUAGE sql`;
    const fn3 = `DO $fn_1$ BEGIN PERFORM 1; END $fn_1$`;
    expect(sqls(`${fn1};\n${fn2};\n${fn3};\nSELECT $1::int;`)).toEqual([fn1, fn2, fn3, "SELECT $1::int"]);
  });

  it("records each statement's offset in the script", () => {
    const script = "  SELECT 1;\n\n  -- c\nSELECT 'x;y';";
    for (const s of splitSql(script)) expect(script.slice(s.start, s.start + s.sql.length)).toBe(s.sql);
  });
});

describe("statementAt", () => {
  it("finds the statement containing an offset (PostgreSQL error positions)", () => {
    const script = "CREATE TABLE a (id INT);\nINSERT INTO nope VALUES (1);\nSELECT 2;";
    expect(statementAt(script, script.indexOf("nope"))).toBe("INSERT INTO nope VALUES (1)");
    expect(statementAt(script, 0)).toBe("CREATE TABLE a (id INT)");
    expect(statementAt(script, script.length - 2)).toBe("SELECT 2");
  });
});
