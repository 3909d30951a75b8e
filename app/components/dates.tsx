import { useRouteLoaderData } from "@remix-run/react";
import { DEFAULT_DATE_SETTINGS, formatDate, formatDateTime, type DateSettings } from "~/lib/dates";

interface RootData {
  locale?: string;
}
interface AppData {
  organization?: { timeZone?: string };
}

/**
 * Dates as this reader sees them: their locale (from the root loader) and, signed in, their
 * organisation's time zone (from the app layout's loader); elsewhere UTC. `dateTime(value,
 * zone)` tells a moment of another organisation (the organisation picker) in that one's zone.
 */
export function useDates() {
  const root = useRouteLoaderData("root") as RootData | undefined;
  const app = useRouteLoaderData("routes/_app") as AppData | undefined;
  const settings: DateSettings = {
    locale: root?.locale ?? DEFAULT_DATE_SETTINGS.locale,
    timeZone: app?.organization?.timeZone ?? DEFAULT_DATE_SETTINGS.timeZone,
  };
  return {
    date: (value: string | Date | null | undefined) => formatDate(value, settings),
    dateTime: (value: string | Date | null | undefined, timeZone?: string) =>
      formatDateTime(value, timeZone ? { ...settings, timeZone } : settings),
  };
}
