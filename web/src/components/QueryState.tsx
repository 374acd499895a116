import { Alert, Button, Center, Loader, Stack } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { errorMessage } from "../api/problems";

/** A query's loading spinner or error (with a retry), else its data rendered. */
export function QueryState<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (query.isPending) {
    return (
      <Center p="xl" role="status" aria-label={t("common.loading")}>
        <Loader />
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Stack align="flex-start">
        <Alert color="red" role="alert">
          {errorMessage(t, query.error)}
        </Alert>
        <Button variant="default" onClick={() => void query.refetch()}>
          {t("common.retry")}
        </Button>
      </Stack>
    );
  }
  return <>{children(query.data)}</>;
}
