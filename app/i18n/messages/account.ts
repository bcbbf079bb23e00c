import { defineMessages } from "../define";

export const account = defineMessages({
  en: {
    "account.title": "account",
  },
  de: {
    "account.title": "account",
  },
  fr: {
    "account.title": "account",
  },
});
