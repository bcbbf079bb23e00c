import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";

// Every migration, in order. Listed by hand so they load the same under tsx, Vitest and
// the built server (Kysely's FileMigrationProvider cannot import .ts files under Vitest).
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
};
