import { Table } from "@mantine/core";
import { useFormat } from "../hooks";

interface Line {
  label: string;
  quantity: number;
  gross: number;
}

/** A short bill: each priced line (label, quantity, amount with tax), then summary rows. */
export function LinesTable({
  lines,
  summary,
}: {
  lines: Line[];
  /** Label, amount, and whether the row is the total (bold, with a test id). */
  summary: { label: string; amount: number; total?: string }[];
}) {
  const format = useFormat();
  return (
    <Table>
      <Table.Tbody>
        {lines.map((line, n) => (
          <Table.Tr key={n}>
            <Table.Td>{line.label}</Table.Td>
            <Table.Td ta="right">{line.quantity}</Table.Td>
            <Table.Td ta="right">{format.money(line.gross)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
      <Table.Tfoot>
        {summary.map((row) => (
          <Table.Tr key={row.label} fw={row.total ? 700 : undefined}>
            <Table.Td colSpan={2}>{row.label}</Table.Td>
            <Table.Td ta="right" data-testid={row.total}>
              {format.money(row.amount)}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tfoot>
    </Table>
  );
}
