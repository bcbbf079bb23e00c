import { benchMembersPage } from "./members-page";
import { benchRenewalSweep } from "./renewal-sweep";
import { benchToPayPage } from "./to-pay-page";
import { benchIdentityFiles } from "./identity-files";

// `npm run bench`: each benchmark prints its figures beside a baseline measured in the same run.
await benchMembersPage();
await benchRenewalSweep();
await benchToPayPage();
await benchIdentityFiles();
process.exit(0);
