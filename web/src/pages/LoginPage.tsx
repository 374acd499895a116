import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { errorMessage } from "../api/problems";
import { useAuth } from "../auth/AuthProvider";
import { LanguageSwitch } from "../components/LanguageSwitch";

/** Only a path of this app: `next` comes from the address bar, so never another site. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export function LoginPage() {
  const { t } = useTranslation();
  const { user, login, expired } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm({ initialValues: { username: "", password: "" } });

  if (user) return <Navigate to={next} replace />;

  const submit = form.onSubmit(async ({ username, password }) => {
    setFailure(null);
    try {
      await login(username, password);
      navigate(next, { replace: true });
    } catch (e) {
      setFailure(loginFailure(e));
      form.setFieldValue("password", "");
    }
  });

  function loginFailure(e: unknown): string {
    if (e instanceof ApiError && e.status === 401) return t("login.wrong");
    if (e instanceof ApiError && e.status === 403) return t("login.inactive");
    if (e instanceof ApiError && e.status === 429 && e.retryAfterSeconds !== undefined) {
      return t("login.throttled", { count: e.retryAfterSeconds });
    }
    return errorMessage(t, e);
  }

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Group justify="space-between" align="flex-start">
              <div>
                <Title order={1} size="h2">
                  {t("app.name")}
                </Title>
                <Text c="dimmed" size="sm">
                  {t("login.subtitle")}
                </Text>
              </div>
              <LanguageSwitch />
            </Group>
            {expired && <Alert color="yellow">{t("login.sessionExpired")}</Alert>}
            {!expired && params.get("loggedOut") && <Alert color="blue">{t("login.loggedOut")}</Alert>}
            {failure && (
              <Alert color="red" role="alert">
                {failure}
              </Alert>
            )}
            <TextInput
              label={t("login.username")}
              autoComplete="username"
              required
              autoFocus
              {...form.getInputProps("username")}
            />
            <PasswordInput
              label={t("login.password")}
              autoComplete="current-password"
              required
              {...form.getInputProps("password")}
            />
            <Button type="submit" loading={form.submitting}>
              {t("login.submit")}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
