import { Button, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, ok } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { FailureAlert, useServerSubmit } from "../components/useServerSubmit";
import { useNotify } from "../hooks";

export function AccountPage() {
  const { t } = useTranslation();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const notify = useNotify();
  const form = useForm({
    initialValues: { currentPassword: "", newPassword: "", repeat: "" },
    validate: { repeat: (value, values) => (value === values.newPassword ? null : t("account.mismatch")) },
  });
  const submit = useServerSubmit(form, async ({ currentPassword, newPassword }) => {
    await ok(api.PUT("/api/auth/password", { body: { currentPassword, newPassword } }));
    notify.success(t("account.changed"));
    form.reset();
  });
  const onLogout = async () => {
    await logout();
    navigate("/login?loggedOut=1", { replace: true });
  };
  return (
    <Stack maw={480}>
      <Title order={2}>{t("account.title")}</Title>
      <Text>
        {user &&
          t("account.signedInAs", { name: `${user.fullName} (${user.username})`, role: t(`roles.${user.role}`) })}
      </Text>
      <Paper withBorder p="md">
        <form onSubmit={submit.onSubmit} noValidate>
          <Stack>
            <Title order={3} size="h4">
              {t("account.changePassword")}
            </Title>
            <FailureAlert message={submit.failure} />
            <PasswordInput
              label={t("account.currentPassword")}
              autoComplete="current-password"
              required
              {...form.getInputProps("currentPassword")}
            />
            <PasswordInput
              label={t("account.newPassword")}
              description={t("staff.passwordHint")}
              autoComplete="new-password"
              required
              {...form.getInputProps("newPassword")}
            />
            <PasswordInput
              label={t("account.repeatPassword")}
              autoComplete="new-password"
              required
              {...form.getInputProps("repeat")}
            />
            <Group>
              <Button type="submit" loading={form.submitting}>
                {t("account.changePassword")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Group>
        <Button variant="outline" color="red" onClick={() => void onLogout()}>
          {t("nav.logout")}
        </Button>
      </Group>
    </Stack>
  );
}
