import { defineMessages } from "../define";

export const backoffice = defineMessages({
  en: {
    "backoffice.title": "backoffice",
  },
  de: {
    "backoffice.title": "backoffice",
  },
  fr: {
    "backoffice.title": "backoffice",
  },
});
