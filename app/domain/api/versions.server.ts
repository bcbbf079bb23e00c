import type { Endpoint } from "./endpoint";
import { openApiEndpoint } from "./openapi.server";
import { clientEndpoints } from "./v1/clients";
import { invoiceEndpoints } from "./v1/invoices";
import { organizationEndpoints } from "./v1/organizations";
import { productEndpoints } from "./v1/products";
import { profileEndpoints } from "./v1/profile";
import { tenderEndpoints } from "./v1/tenders";
import { userEndpoints } from "./v1/users";

// the API's versions; `/api/{path}` answers with the latest. A capability adds its
// endpoints as one module in v1/ and one line here.
export const LATEST_VERSION = "1";

const v1: Endpoint[] = [
  ...profileEndpoints,
  ...organizationEndpoints,
  ...userEndpoints,
  ...productEndpoints,
  ...invoiceEndpoints,
  ...tenderEndpoints,
  ...clientEndpoints,
  openApiEndpoint("1", () => v1),
];

export const versions: Record<string, Endpoint[]> = { "1": v1 };
