import { Anchor, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { can } from "../../auth/permissions";
import { confirmThen } from "../../components/confirm";
import { QueryState } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { useFormat, useNotify } from "../../hooks";
import { ClientForm, clientUpdateBody, clientValues, type ClientValues } from "./ClientForm";
import { clientName } from "./ClientsPage";

type Client = Schemas["Client"];

export function ClientPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ["clients", "one", id],
    queryFn: () => ok(api.GET("/api/clients/{id}", { params: { path: { id } } })),
  });
  return (
    <Stack>
      <Anchor component={Link} to="/clients" size="sm">
        ← {t("common.back")}
      </Anchor>
      <QueryState query={query}>{(client) => <ClientDetails client={client} />}</QueryState>
    </Stack>
  );
}

function ClientDetails({ client }: { client: Client }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const queries = useQueryClient();
  const notify = useNotify();
  const navigate = useNavigate();

  const save = async (values: ClientValues) => {
    const body = clientUpdateBody(clientValues(client), values);
    if (Object.keys(body).length === 0) return;
    const fresh = await ok(api.PUT("/api/clients/{id}", { params: { path: { id: client._id } }, body }));
    queries.setQueryData(["clients", "one", client._id], fresh);
    await queries.invalidateQueries({ queryKey: ["clients", "list"] });
    notify.success(t("common.saved"));
  };
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/clients/{id}", { params: { path: { id: client._id } } })),
    onSuccess: async () => {
      notify.success(t("clients.deleted"));
      await queries.invalidateQueries({ queryKey: ["clients"] });
      navigate("/clients");
    },
    onError: (e) => notify.failure(e),
  });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("clients.editTitle", { name: clientName(client) })}</Title>
        {can(user?.role, "client.delete") && (
          <Button
            color="red"
            variant="outline"
            loading={remove.isPending}
            onClick={() =>
              confirmThen(t, t("clients.confirmDelete", { name: clientName(client) }), t("common.delete"), () =>
                remove.mutate(),
              )
            }
          >
            {t("common.delete")}
          </Button>
        )}
      </Group>
      <ClientForm
        key={client.updatedAt}
        initial={clientValues(client)}
        submitLabel={t("common.save")}
        onSubmit={save}
      />
      <History clientId={client._id} />
    </Stack>
  );
}

function History({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const query = useQuery({
    queryKey: ["clients", "history", clientId],
    queryFn: () =>
      ok(
        api.GET("/api/clients/{id}/reservations", {
          params: { path: { id: clientId }, query: { perPage: 100 } },
        }),
      ),
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t("clients.history")}</Title>
        <Anchor component={Link} to={`/reservations?clientId=${clientId}`}>
          {t("reservations.ofClient")}
        </Anchor>
      </Group>
      <QueryState query={query}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t("clients.noHistory")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={700}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("clients.reservationNumber")}</Table.Th>
                    <Table.Th>{t("clients.car")}</Table.Th>
                    <Table.Th>{t("clients.period")}</Table.Th>
                    <Table.Th>{t("clients.total")}</Table.Th>
                    <Table.Th>{t("clients.status")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((r) => (
                    <Table.Tr key={r._id}>
                      <Table.Td ff="monospace">{r.reservationNumber}</Table.Td>
                      <Table.Td>{r.car ? `${r.car.make} ${r.car.model} (${r.car.licensePlate})` : "—"}</Table.Td>
                      <Table.Td>
                        {format.dateTime(r.startDate)} → {format.dateTime(r.endDate)}
                      </Table.Td>
                      <Table.Td>{format.money(r.finalTotalCost ?? r.estimatedTotalCost)}</Table.Td>
                      <Table.Td>
                        <StatusBadge kind="reservation" status={r.status} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Stack>
  );
}
