import { Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Pager } from "./Pager";
import { QueryState } from "./QueryState";
import type { ListParams } from "./useListParams";

/** A page of a list: its loading and error states, the count, the rows, the pages. */
export function PagedResults<T>({
  query,
  list,
  perPage,
  children,
}: {
  query: UseQueryResult<{ items: T[]; total: number }>;
  list: ListParams;
  perPage: number;
  children: (items: T[]) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <QueryState query={query}>
      {(page) => (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {t("common.total", { count: page.total })}
          </Text>
          {children(page.items)}
          <Pager total={page.total} perPage={perPage} page={list.page} onChange={(p) => list.set("page", String(p))} />
        </>
      )}
    </QueryState>
  );
}
