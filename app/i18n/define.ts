export const LOCALES = ["de", "fr", "en"] as const;
export type UiLocale = (typeof LOCALES)[number];

/** A catalog area: English is the reference; German and French must have the same keys. */
export function defineMessages<const K extends string>(catalog: {
  en: Record<K, string>;
  de: Record<K, string>;
  fr: Record<K, string>;
}) {
  return catalog;
}
