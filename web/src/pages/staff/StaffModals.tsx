import { Checkbox, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { DeskModal } from "../../components/DeskModal";
import { api, ok, type Schemas } from "../../api/client";
import { FormActions } from "../../components/FormActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useNotify } from "../../hooks";

export function NewManagerModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const queries = useQueryClient();
  const form = useForm({ initialValues: { username: "", fullName: "", password: "", isActive: true } });
  const submit = useServerSubmit(form, async (values) => {
    await ok(api.POST("/api/managers", { body: values }));
    notify.success(t("staff.created"));
    await queries.invalidateQueries({ queryKey: ["managers"] });
    close();
  });
  const close = () => {
    form.reset();
    submit.clear();
    onClose();
  };
  return (
    <DeskModal opened={opened} onClose={close} title={t("staff.new")}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <TextInput label={t("staff.username")} required autoComplete="off" {...form.getInputProps("username")} />
          <TextInput label={t("staff.fullName")} required {...form.getInputProps("fullName")} />
          <PasswordInput
            label={t("staff.password")}
            description={t("staff.passwordHint")}
            required
            autoComplete="new-password"
            {...form.getInputProps("password")}
          />
          <Checkbox label={t("staff.active")} {...form.getInputProps("isActive", { type: "checkbox" })} />
          <FormActions onCancel={close} submitLabel={t("common.create")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}

export function PasswordModal({ user, onClose }: { user: Schemas["User"] | null; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const form = useForm({ initialValues: { password: "" } });
  const submit = useServerSubmit(form, async ({ password }) => {
    if (!user) return;
    await ok(api.PUT("/api/managers/{id}", { params: { path: { id: user._id } }, body: { password } }));
    notify.success(t("staff.resetDone"));
    close();
  });
  const close = () => {
    form.reset();
    submit.clear();
    onClose();
  };
  return (
    <DeskModal opened={user !== null} onClose={close} title={t("staff.resetTitle", { name: user?.fullName ?? "" })}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <PasswordInput
            label={t("staff.resetPassword")}
            description={t("staff.passwordHint")}
            required
            autoComplete="new-password"
            {...form.getInputProps("password")}
          />
          <FormActions onCancel={close} submitLabel={t("common.save")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
