import { initDb } from "../app/db.server";
import { DEMO_API_TOKEN, DEMO_PASSWORD, demoLogins } from "../db/seed";
import { seedDemoData } from "../app/domain/demo/seed.server";
import { startServer } from "../server";

// `npm run demo`: the portal on the embedded default (PGlite in ./.data, jobs in-process,
// mails on the local mail page) with demo data.
process.env.DEMO = "1";
process.env.NODE_ENV ??= "production";
await initDb({ prepare: seedDemoData });
const server = await startServer({ log: false });
const url = `http://localhost:${server.port}`;
console.log(`\nPartner Portal is running at ${url}\n`);
console.log(`demo api token: ${DEMO_API_TOKEN}`);
console.log(`  (Anna Meier, legal representative of Alpine Web GmbH; try: curl -H "Authorization: Bearer ${DEMO_API_TOKEN}" ${url}/api/1/profile)\n`);
console.log(`Demo logins (password for all: ${DEMO_PASSWORD}):`);
for (const login of demoLogins) console.log(`  ${login.email.padEnd(34)} ${login.who}`);
console.log("\nThe demo logins have no two-factor authentication (S-3): customers can switch it on under My account; staff,\nwho must use it, set up an authenticator app at their first back-office sign-in.");
console.log(`\nCustomer sign-in: ${url}/login   Back office: ${url}/backoffice/login   Mails: ${url}/dev/mail\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
