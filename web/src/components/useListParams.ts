import { useSearchParams } from "react-router";

export type ListParams = ReturnType<typeof useListParams>;

/** A list's page, filters and sort, kept in the address so that Back and a reload keep them. */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  const get = (name: string) => params.get(name);
  /** Sets one parameter (empty clears it); any change but the page goes back to page 1. */
  const set = (name: string, value: string | null) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        if (name !== "page") next.delete("page");
        return next;
      },
      { replace: name !== "page" },
    );
  return { page, get, set };
}
