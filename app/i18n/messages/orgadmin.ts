import { defineMessages } from "../define";

export const orgadmin = defineMessages({
  en: {
    "orgadmin.title": "orgadmin",
  },
  de: {
    "orgadmin.title": "orgadmin",
  },
  fr: {
    "orgadmin.title": "orgadmin",
  },
});
