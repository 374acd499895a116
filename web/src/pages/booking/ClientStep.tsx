// Second step: the client, found by phone (or name), or registered on the spot when the
// search finds nobody.
import { Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { QueryState } from "../../components/QueryState";
import { ClientForm, clientCreateBody, emptyClient, type ClientValues } from "../clients/ClientForm";
import { clientName } from "../clients/ClientsPage";

type Client = Schemas["Client"];

/** Whether what was typed is a phone number (digits and separators) rather than a name. */
export function looksLikePhone(text: string): boolean {
  return /^\+?[\d\s().-]{6,}$/.test(text.trim());
}

/** The clients a desk search finds: by phone when it looks like one, else by name, e-mail or CIN. */
export function findClients(text: string, perPage: number) {
  return ok(
    api.GET("/api/clients", {
      params: { query: { perPage, ...(looksLikePhone(text) ? { phone: text } : { q: text }) } },
    }),
  );
}

export function ClientStep({ onPick }: { onPick: (client: Client) => void }) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState("");
  const [searched, setSearched] = useState<string | null>(null);
  const search = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim()) setSearched(typed.trim());
  };
  return (
    <Stack mt="md">
      <form onSubmit={search} role="search">
        <Group align="flex-end">
          <TextInput
            label={t("booking.clientSearch")}
            description={t("booking.clientSearchHint")}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            data-autofocus
            w={320}
          />
          <Button type="submit" leftSection={<IconSearch size={16} aria-hidden />}>
            {t("clients.find")}
          </Button>
        </Group>
      </form>
      {searched && <Matches text={searched} onPick={onPick} />}
    </Stack>
  );
}

function Matches({ text, onPick }: { text: string; onPick: (client: Client) => void }) {
  const { t } = useTranslation();
  const phone = looksLikePhone(text);
  const query = useQuery({
    queryKey: ["clients", "list", { booking: text }],
    queryFn: () => findClients(text, 10),
  });
  return (
    <QueryState query={query}>
      {(list) => (
        <Stack>
          {list.items.length === 0 ? (
            <Text>{t("booking.noClient", { text })}</Text>
          ) : (
            <Table highlightOnHover>
              <Table.Tbody>
                {list.items.map((c) => (
                  <Table.Tr key={c._id}>
                    <Table.Td>{clientName(c)}</Table.Td>
                    <Table.Td>{c.phone}</Table.Td>
                    <Table.Td>{c.driverLicenseNumber ?? t("booking.noLicence")}</Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        onClick={() => onPick(c)}
                        aria-label={t("booking.pickClient", { name: clientName(c) })}
                      >
                        {t("booking.pick")}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <NewClient phone={phone ? text : ""} onCreated={onPick} />
        </Stack>
      )}
    </QueryState>
  );
}

/** The client form, inline: the booking goes on with the client just registered. */
function NewClient({ phone, onCreated }: { phone: string; onCreated: (client: Client) => void }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  const create = async (values: ClientValues) => {
    const body = clientCreateBody(values) as { firstName: string; lastName: string; phone: string };
    const client = await ok(api.POST("/api/clients", { body }));
    await queries.invalidateQueries({ queryKey: ["clients"] });
    onCreated(client);
  };
  if (!open) {
    return (
      <Group>
        <Button variant="default" onClick={() => setOpen(true)}>
          {t("booking.newClient")}
        </Button>
      </Group>
    );
  }
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h5" mb="sm">
        {t("booking.newClient")}
      </Title>
      <ClientForm key={phone} initial={emptyClient(phone)} submitLabel={t("booking.createClient")} onSubmit={create} />
    </Paper>
  );
}
