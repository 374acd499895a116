// The revenue of the last six months as bars, the month shown on the board last; the
// figures are also a table for screen readers.
import { Text, VisuallyHidden } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { useFormat } from "../../hooks";

const MONTHS = 6;

/** Each of the `count` months ending with `month` (YYYY-MM), with its revenue (0 when none). */
export function monthlySeries(
  month: string,
  rows: Schemas["RevenueRow"][],
  count = MONTHS,
): { month: string; gross: number }[] {
  const last = dayjs(`${month}-01`);
  return Array.from({ length: count }, (_, n) => {
    const key = last.subtract(count - 1 - n, "month").format("YYYY-MM");
    return { month: key, gross: rows.find((r) => r.key === key)?.gross ?? 0 };
  });
}

export function RevenueChart({ month }: { month: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const last = dayjs(`${month}-01`);
  const report = useQuery({
    queryKey: ["dashboard", "revenue", month],
    queryFn: () =>
      ok(
        api.GET("/api/reports/revenue", {
          params: {
            query: {
              from: last.subtract(MONTHS - 1, "month").format("YYYY-MM-DD"),
              to: last.endOf("month").format("YYYY-MM-DD"),
              groupBy: "month",
            },
          },
        }),
      ),
  });
  // The report can also be CSV; asked as JSON, it is the object.
  if (!report.data || typeof report.data !== "object")
    return <Text size="sm">{report.isError ? t("dashboard.noChart") : t("common.loading")}</Text>;
  const series = monthlySeries(month, report.data.rows);
  const top = Math.max(1, ...series.map((s) => s.gross));
  const width = 320;
  const height = 140;
  const bar = width / series.length;
  return (
    <figure style={{ margin: "12px 0 0" }}>
      <svg viewBox={`0 0 ${width} ${height + 20}`} width={width} height={height + 20} aria-hidden>
        {series.map((s, n) => {
          const h = Math.round((s.gross / top) * height);
          return (
            <g key={s.month}>
              <rect
                x={n * bar + 6}
                y={height - h}
                width={bar - 12}
                height={h}
                rx={3}
                fill={n === series.length - 1 ? "var(--mantine-color-blue-8)" : "var(--mantine-color-blue-3)"}
              />
              <text x={n * bar + bar / 2} y={height + 14} textAnchor="middle" fontSize={11} fill="currentColor">
                {dayjs(`${s.month}-01`).format("MM/YY")}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Text size="xs" c="dimmed">
          {t("dashboard.chartCaption")}
        </Text>
      </figcaption>
      <VisuallyHidden>
        <table>
          <caption>{t("dashboard.chartCaption")}</caption>
          <tbody>
            {series.map((s) => (
              <tr key={s.month}>
                <th scope="row">{s.month}</th>
                <td>{format.money(s.gross)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
    </figure>
  );
}
