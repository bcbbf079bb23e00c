import { defineMessages } from "../define";

export const members = defineMessages({
  en: {
    "members.title": "members",
  },
  de: {
    "members.title": "members",
  },
  fr: {
    "members.title": "members",
  },
});
