import { Pagination } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The pages of a list, when there is more than one; every control has a name. */
export function Pager({
  total,
  perPage,
  page,
  onChange,
}: {
  total: number;
  perPage: number;
  page: number;
  onChange: (page: number) => void;
}) {
  const { t } = useTranslation();
  if (total <= perPage) return null;
  return (
    <Pagination
      total={Math.ceil(total / perPage)}
      value={page}
      onChange={onChange}
      getItemProps={(p) => ({ "aria-label": t("common.pageNumber", { page: p }) })}
      getControlProps={(control) => ({ "aria-label": t(`common.pageControl.${control}`) })}
    />
  );
}
