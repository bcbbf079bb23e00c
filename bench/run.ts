import { benchMembersPage } from "./members-page";

// `npm run bench`: each benchmark prints its figures beside a baseline measured in the same run.
await benchMembersPage();
process.exit(0);
