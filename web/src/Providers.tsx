// Everything a screen relies on: theme, dates, notifications, server-data cache, language.
import "dayjs/locale/fr";
import "dayjs/locale/en-gb";
import { MantineProvider, createTheme, type CSSVariablesResolver } from "@mantine/core";
import { DatesProvider } from "@mantine/dates";
import { ModalsProvider } from "@mantine/modals";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "./api/client";

// Mantine's default shades for links, secondary text and errors are too light on white
// for WCAG AA (4.5:1); these are the first shades that pass.
const theme = createTheme({
  primaryColor: "blue",
  defaultRadius: "sm",
  primaryShade: { light: 8, dark: 5 },
});

const contrast: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { "--mantine-color-dimmed": t.colors.gray[7] ?? "", "--mantine-color-error": t.colors.red[9] ?? "" },
  dark: {},
});

/** A fresh cache: an error a retry cannot fix (4xx) is not retried. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

export function Providers({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const [queries] = useState(() => client ?? makeQueryClient());
  const { i18n } = useTranslation();
  return (
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <DatesProvider settings={{ locale: i18n.language === "en" ? "en-gb" : "fr" }}>
        <Notifications position="bottom-right" />
        <QueryClientProvider client={queries}>
          <ModalsProvider>{children}</ModalsProvider>
        </QueryClientProvider>
      </DatesProvider>
    </MantineProvider>
  );
}
