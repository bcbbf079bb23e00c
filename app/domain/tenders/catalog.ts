import { isCountryCode } from "../orgs/countries";

// The vocabulary tenders, partner alerts and the directory share (T-1 … T-3): project
// categories (a partner's specialties), regions (Swiss cantons and countries) and languages.

export const TENDER_CATEGORIES = ["website", "email", "hosting", "domains", "migration", "development", "ecommerce", "maintenance"] as const;
export type TenderCategory = (typeof TENDER_CATEGORIES)[number];

export const CONTENT_LANGUAGES = ["de", "fr", "it", "en"] as const;
export type ContentLanguage = (typeof CONTENT_LANGUAGES)[number];

/** The 26 cantons, by their ISO 3166-2 code (CH-ZH), named as they name themselves. */
export const CANTONS: ReadonlyArray<[string, string]> = [
  ["CH-AG", "Aargau"],
  ["CH-AI", "Appenzell Innerrhoden"],
  ["CH-AR", "Appenzell Ausserrhoden"],
  ["CH-BE", "Bern / Berne"],
  ["CH-BL", "Basel-Landschaft"],
  ["CH-BS", "Basel-Stadt"],
  ["CH-FR", "Fribourg / Freiburg"],
  ["CH-GE", "Genève"],
  ["CH-GL", "Glarus"],
  ["CH-GR", "Graubünden / Grischun / Grigioni"],
  ["CH-JU", "Jura"],
  ["CH-LU", "Luzern"],
  ["CH-NE", "Neuchâtel"],
  ["CH-NW", "Nidwalden"],
  ["CH-OW", "Obwalden"],
  ["CH-SG", "St. Gallen"],
  ["CH-SH", "Schaffhausen"],
  ["CH-SO", "Solothurn"],
  ["CH-SZ", "Schwyz"],
  ["CH-TG", "Thurgau"],
  ["CH-TI", "Ticino"],
  ["CH-UR", "Uri"],
  ["CH-VD", "Vaud"],
  ["CH-VS", "Valais / Wallis"],
  ["CH-ZG", "Zug"],
  ["CH-ZH", "Zürich"],
];
const cantonNames = new Map(CANTONS);

/** Countries offered besides Switzerland's cantons (any ISO country code is accepted). */
export const NEARBY_COUNTRIES = ["CH", "LI", "DE", "FR", "IT", "AT", "BE", "LU", "NL", "ES", "PT", "GB"] as const;

export function isRegion(value: string): boolean {
  return cantonNames.has(value) || (/^[A-Z]{2}$/.test(value) && isCountryCode(value));
}

/**
 * The regions a partner must cover to match a tender in `region`: the region itself, and for a
 * canton the whole of Switzerland (a partner serving "Switzerland" serves every canton).
 */
export function coveringRegions(region: string): string[] {
  return region.startsWith("CH-") ? [region, "CH"] : [region];
}

const countryTags = { de: "de-CH", fr: "fr-CH", en: "en-CH" } as const;

/** A region's name: the canton's own name, or the country in the reader's language. */
export function regionName(code: string, locale: "de" | "fr" | "en"): string {
  const canton = cantonNames.get(code);
  if (canton) return canton;
  try {
    return new Intl.DisplayNames([countryTags[locale]], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The choices of a region field: countries first, then the cantons. */
export function regionOptions(locale: "de" | "fr" | "en"): Array<{ code: string; name: string }> {
  return [...NEARBY_COUNTRIES.map((code) => ({ code, name: regionName(code, locale) })), ...CANTONS.map(([code, name]) => ({ code, name: `${name} (${code.slice(3)})` }))];
}

/** The text search configuration of a content language (german, french, italian, english). */
export const SEARCH_CONFIGS: Record<ContentLanguage, string> = { de: "german", fr: "french", it: "italian", en: "english" };
