import { createServer } from "node:http";
import { APP_ROLE, createDb } from "../db/client";
import { withActor } from "../app/domain/tx.server";
import { loadUserActor } from "../app/auth/actor.server";
import { defineAbilityFor } from "../app/auth/ability";
import { listToPay } from "../app/domain/billing/renewals.server";

// The baseline: a bare node:http server answering the "to pay" page's query as JSON, as the
// portal's role in the organization's transaction (the same query, the same policies).
const db = await createDb({ databaseUrl: process.env.DATABASE_URL, poolSize: 20, role: APP_ROLE });
const orgId = process.env.ORG_ID!;
const rep = await db.selectFrom("users").select(["id", "email"]).where("email", "=", process.env.USER_EMAIL!).executeTakeFirstOrThrow();
const actor = await loadUserActor(db, rep);
if (actor.kind !== "user") throw new Error("the bench user is not a user actor");
const acting = { actor, ability: defineAbilityFor(actor) };

const server = createServer(async (req, res) => {
  const params = new URL(req.url ?? "/", "http://x").searchParams;
  const page = Number(params.get("page") ?? 1);
  const scope = params.get("scope") === "all" ? "all" : "2months";
  const body = JSON.stringify(await withActor(db, actor, (trx) => listToPay(trx, acting, orgId, { scope, page })));
  res.writeHead(200, { "Content-Type": "application/json" }).end(body);
});
server.listen(0, () => {
  const address = server.address();
  console.log(`listening on http://localhost:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => server.close(() => void db.destroy().then(() => process.exit(0))));
