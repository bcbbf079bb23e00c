import { sql, type Kysely } from "kysely";

// PGlite's extended protocol takes one statement per query, so a migration's SQL script
// is split into statements (respecting $$-quoted function bodies) and run in order.
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = "";
  let inDollar = false;
  for (const line of script.split("\n")) {
    const trimmed = line.trim();
    if (!inDollar && (trimmed.startsWith("--") || trimmed === "")) continue;
    current += line + "\n";
    const dollars = line.split("$$").length - 1;
    if (dollars % 2 === 1) inDollar = !inDollar;
    if (!inDollar && trimmed.endsWith(";")) {
      statements.push(current.trim());
      current = "";
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

export async function runScript(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of splitStatements(script)) {
    await sql.raw(statement).execute(db);
  }
}
