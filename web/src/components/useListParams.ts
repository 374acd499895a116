import { useSearchParams } from "react-router";

export type ListParams = ReturnType<typeof useListParams>;

/** A list's page, filters and sort, kept in the address so that Back and a reload keep them. */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  const get = (name: string) => params.get(name);
  /** Sets parameters (empty clears one); any change but the page's goes back to page 1. */
  const setMany = (values: Record<string, string | null>) => {
    const names = Object.keys(values);
    const pageOnly = names.length === 1 && names[0] === "page";
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [name, value] of Object.entries(values)) {
          if (value) next.set(name, value);
          else next.delete(name);
        }
        if (!pageOnly) next.delete("page");
        return next;
      },
      { replace: !pageOnly },
    );
  };
  const set = (name: string, value: string | null) => setMany({ [name]: value });
  return { page, get, set, setMany };
}
