import { Anchor, Stack, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, ok } from "../../api/client";
import { useNotify } from "../../hooks";
import { ClientForm, clientCreateBody, emptyClient, type ClientValues } from "./ClientForm";

export function NewClientPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const notify = useNotify();
  const create = async (values: ClientValues) => {
    const body = clientCreateBody(values) as { firstName: string; lastName: string; phone: string };
    const client = await ok(api.POST("/api/clients", { body }));
    notify.success(t("clients.created"));
    await queries.invalidateQueries({ queryKey: ["clients"] });
    navigate(`/clients/${client._id}`);
  };
  return (
    <Stack>
      <Anchor component={Link} to="/clients" size="sm">
        ← {t("common.back")}
      </Anchor>
      <Title order={2}>{t("clients.new")}</Title>
      <ClientForm initial={emptyClient(params.get("phone") ?? "")} submitLabel={t("common.create")} onSubmit={create} />
    </Stack>
  );
}
