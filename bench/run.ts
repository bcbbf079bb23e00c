import { benchMembersPage } from "./members-page";
import { benchRenewalSweep } from "./renewal-sweep";
import { benchToPayPage } from "./to-pay-page";
import { benchCashbackRun, benchResellerSpace } from "./partner-benefits";
import { benchApiList } from "./api-list";
import { benchPartnerAbility } from "./partner-ability";
import { benchExportXlsx } from "./export-xlsx";
import { benchDirectorySearch } from "./directory-search";
import { benchIdentityFiles } from "./identity-files";

// `npm run bench`: each benchmark prints its figures beside a baseline measured in the same run.
await benchMembersPage();
await benchRenewalSweep();
await benchToPayPage();
await benchCashbackRun();
await benchResellerSpace();
await benchApiList();
await benchPartnerAbility();
await benchExportXlsx();
await benchDirectorySearch();
await benchIdentityFiles();
process.exit(0);
