import { defineMessages } from "../define";

export const products = defineMessages({
  en: {
    "products.title": "products",
  },
  de: {
    "products.title": "products",
  },
  fr: {
    "products.title": "products",
  },
});
