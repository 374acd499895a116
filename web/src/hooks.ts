// Small hooks every screen uses.
import { useMutation, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { useTranslation } from "react-i18next";
import { api, ok } from "./api/client";
import { errorMessage } from "./api/problems";
import { formatDate, formatDateTime, formatMoney } from "./format";
import { locale } from "./i18n";

/** The server's settings that the screens show: currency and grace period. */
export function useMeta() {
  return useQuery({
    queryKey: ["meta"],
    queryFn: () => ok(api.GET("/api/meta")),
    staleTime: Infinity,
  });
}

/** The agency's branches: a short list, shared by every screen that shows or filters by one. */
export function useBranches() {
  return useQuery({ queryKey: ["branches"], queryFn: () => ok(api.GET("/api/branches")), staleTime: 60_000 });
}

/** Money and dates as the user's language writes them, in the agency's currency. */
export function useFormat() {
  const { i18n } = useTranslation();
  const meta = useMeta();
  const currency = meta.data?.currency ?? "MAD";
  const language = i18n.language;
  return {
    money: (amount: number | null | undefined) => formatMoney(amount, currency, language),
    date: (value: string | null | undefined) => formatDate(value, language),
    dateTime: (value: string | null | undefined) => formatDateTime(value, language),
    /** A day as a column heading: weekday and date, or the date alone when `short`. */
    day: (value: Date, short = false) =>
      new Intl.DateTimeFormat(
        locale(language),
        short ? { day: "2-digit" } : { weekday: "short", day: "2-digit", month: "2-digit" },
      ).format(value),
    number: (value: number) => new Intl.NumberFormat(locale(language)).format(value),
    percent: (ratio: number) =>
      new Intl.NumberFormat(locale(language), { style: "percent", maximumFractionDigits: 1 }).format(ratio),
    currency,
  };
}

/** Toasts for the outcome of an action. */
export function useNotify() {
  const { t } = useTranslation();
  const closeButtonProps = { "aria-label": t("common.close") };
  return {
    success: (message: string) => notifications.show({ color: "green", message, closeButtonProps }),
    failure: (error: unknown) =>
      notifications.show({ color: "red", message: errorMessage(t, error), closeButtonProps }),
  };
}

/** An action on the server that, once done, refreshes the screens showing `stale` and says `done`. */
export function useAction<T>(action: (input: T) => Promise<unknown>, stale: QueryKey[], done: string) {
  const queries = useQueryClient();
  const notify = useNotify();
  return useMutation({
    mutationFn: action,
    onSuccess: async () => {
      await Promise.all(stale.map((queryKey) => queries.invalidateQueries({ queryKey })));
      notify.success(done);
    },
    onError: (e) => notify.failure(e),
  });
}
