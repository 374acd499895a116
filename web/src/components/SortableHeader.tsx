import { Table, UnstyledButton, Group } from "@mantine/core";
import { IconArrowsSort, IconSortAscending, IconSortDescending } from "@tabler/icons-react";
import type { ReactNode } from "react";

/** A column header that sorts the list by its field (`field` / `-field` in the API). */
export function SortableHeader({
  field,
  sort,
  onSort,
  children,
}: {
  field: string;
  sort: string | null;
  onSort: (sort: string) => void;
  children: ReactNode;
}) {
  const ascending = sort === field;
  const descending = sort === `-${field}`;
  const Icon = ascending ? IconSortAscending : descending ? IconSortDescending : IconArrowsSort;
  return (
    <Table.Th aria-sort={ascending ? "ascending" : descending ? "descending" : "none"}>
      <UnstyledButton onClick={() => onSort(ascending ? `-${field}` : field)} fw={700} fz="sm">
        <Group gap={4} wrap="nowrap">
          {children}
          <Icon size={14} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}
