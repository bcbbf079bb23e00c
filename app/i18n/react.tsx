import { useRouteLoaderData } from "@remix-run/react";
import { formatDate, formatDateTime, translator, type UiLocale } from "./index";

interface RootData {
  locale: UiLocale;
}

export function useLocale(): UiLocale {
  const data = useRouteLoaderData("root") as RootData | undefined;
  return data?.locale ?? "de";
}

export function useT() {
  return translator(useLocale());
}

export function useFormat() {
  const locale = useLocale();
  return {
    date: (d: Date | string) => formatDate(d, locale),
    dateTime: (d: Date | string) => formatDateTime(d, locale),
  };
}
