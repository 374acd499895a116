// The admin's page for the agency's managers: create, deactivate, reset a password.
import { ActionIcon, Badge, Button, Group, Menu, Select, Stack, Table, Title } from "@mantine/core";
import { IconDots, IconPlus } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { confirmThen } from "../../components/confirm";
import { PagedResults } from "../../components/PagedResults";
import { SearchBox } from "../../components/SearchBox";
import { SortableHeader } from "../../components/SortableHeader";
import { useListParams } from "../../components/useListParams";
import { useFormat, useNotify } from "../../hooks";
import { NewManagerModal, PasswordModal } from "./StaffModals";

const PER_PAGE = 20;
type User = Schemas["User"];

export function StaffPage() {
  const { t } = useTranslation();
  const list = useListParams();
  const q = list.get("q") ?? "";
  const active = list.get("isActive");
  const sort = list.get("sort");
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const query = useQuery({
    queryKey: ["managers", "list", { page: list.page, q, active, sort }],
    queryFn: () =>
      ok(
        api.GET("/api/managers", {
          params: {
            query: {
              page: list.page,
              perPage: PER_PAGE,
              ...(q ? { q } : {}),
              ...(active ? { isActive: active === "true" } : {}),
              ...(sort ? { sort } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("staff.title")}</Title>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
          {t("staff.new")}
        </Button>
      </Group>
      <Group align="flex-end">
        <SearchBox
          label={t("common.search")}
          placeholder={t("staff.searchPlaceholder")}
          value={q}
          onSearch={(text) => list.set("q", text)}
        />
        <Select
          label={t("staff.activeFilter")}
          placeholder={t("common.all")}
          clearable
          value={active}
          onChange={(v) => list.set("isActive", v)}
          data={[
            { value: "true", label: t("staff.active") },
            { value: "false", label: t("staff.inactive") },
          ]}
          w={200}
        />
      </Group>
      <PagedResults query={query} list={list} perPage={PER_PAGE}>
        {(users) => (
          <Table.ScrollContainer minWidth={640}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <SortableHeader field="username" sort={sort} onSort={(s) => list.set("sort", s)}>
                    {t("staff.username")}
                  </SortableHeader>
                  <Table.Th>{t("staff.fullName")}</Table.Th>
                  <Table.Th>{t("staff.state")}</Table.Th>
                  <SortableHeader field="createdAt" sort={sort} onSort={(s) => list.set("sort", s)}>
                    {t("staff.createdAt")}
                  </SortableHeader>
                  <Table.Th>{t("common.actions")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={5}>{t("common.noResults")}</Table.Td>
                  </Table.Tr>
                )}
                {users.map((u) => (
                  <StaffRow key={u._id} user={u} onResetPassword={() => setResetting(u)} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </PagedResults>
      <NewManagerModal opened={creating} onClose={() => setCreating(false)} />
      <PasswordModal user={resetting} onClose={() => setResetting(null)} />
    </Stack>
  );
}

function StaffRow({ user, onResetPassword }: { user: User; onResetPassword: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const notify = useNotify();
  const queries = useQueryClient();
  const done = (message: string) => async () => {
    notify.success(message);
    await queries.invalidateQueries({ queryKey: ["managers"] });
  };
  const setActive = useMutation({
    mutationFn: (isActive: boolean) =>
      ok(api.PUT("/api/managers/{id}", { params: { path: { id: user._id } }, body: { isActive } })),
    onSuccess: (fresh) => done(fresh.isActive ? t("staff.activated") : t("staff.deactivated"))(),
    onError: (e) => notify.failure(e),
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/managers/{id}", { params: { path: { id: user._id } } })),
    onSuccess: done(t("staff.deleted")),
    onError: (e) => notify.failure(e),
  });
  return (
    <Table.Tr>
      <Table.Td ff="monospace">{user.username}</Table.Td>
      <Table.Td>{user.fullName}</Table.Td>
      <Table.Td>
        <Badge color={user.isActive ? "green" : "gray"} variant="dot">
          {user.isActive ? t("staff.active") : t("staff.inactive")}
        </Badge>
      </Table.Td>
      <Table.Td>{format.date(user.createdAt)}</Table.Td>
      <Table.Td>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon variant="subtle" aria-label={`${t("common.actions")} : ${user.username}`}>
              <IconDots size={18} aria-hidden />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            {user.isActive ? (
              <Menu.Item
                onClick={() =>
                  confirmThen(t, t("staff.confirmDeactivate", { name: user.fullName }), t("staff.deactivate"), () =>
                    setActive.mutate(false),
                  )
                }
              >
                {t("staff.deactivate")}
              </Menu.Item>
            ) : (
              <Menu.Item onClick={() => setActive.mutate(true)}>{t("staff.activate")}</Menu.Item>
            )}
            <Menu.Item onClick={onResetPassword}>{t("staff.resetPassword")}</Menu.Item>
            <Menu.Item
              color="red"
              onClick={() =>
                confirmThen(t, t("staff.confirmDelete", { name: user.fullName }), t("common.delete"), () =>
                  remove.mutate(),
                )
              }
            >
              {t("common.delete")}
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
}
